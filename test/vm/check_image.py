#!/usr/bin/env python3
"""Static checks of the VM image assets, where neither launchd nor Packer can run.

- launchd plists (vm/launchd/*.plist): parse with plistlib and carry the intended keys.
- Packer template (vm/packer/*.pkr.hcl): balanced brackets, strings, heredocs and comments;
  the block structure Packer expects; every file it uploads exists; every script the
  plists run is uploaded and installed; installs tailscale, jq and bash and the system daemon.
  (test/vm/check_hcl_syntax.js adds a real HCL parse when @cdktf/hcl2json is installed.)

Prints one line per failed check and a summary; exits 1 when anything failed.
"""
import glob
import os
import plistlib
import re
import sys

# Usage: check_image.py [VM_DIR]; the tests point it at mutated copies of vm/.
VM = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..", "vm"))
ROOT = os.path.dirname(VM)
# src/config lives in the repository, also when VM points at a mutated copy of vm/.
ROOT_REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
LIBEXEC = "/usr/local/libexec/tuist/"
BOOT_LABEL = "dev.tuist.xcresult-processor"
REFRESH_LABEL = "dev.tuist.tailnet-hosts-refresh"
LOG_DIR = "/var/log/xcresult-processor/"

passed = 0
failures = []


def check(ok, what):
    global passed
    if ok:
        passed += 1
    else:
        failures.append(what)
    return ok


# --- launchd -------------------------------------------------------------------------------

def load_plists():
    plists = {}
    for path in sorted(glob.glob(os.path.join(VM, "launchd", "*.plist"))):
        name = os.path.relpath(path, ROOT)
        try:
            with open(path, "rb") as f:
                plists[os.path.basename(path)] = plistlib.load(f)
            check(True, "")
        except Exception as e:  # noqa: BLE001 - any parse error is the finding
            check(False, f"{name}: does not parse as a plist: {e}")
    return plists


def check_plists(plists):
    check(set(plists) == {BOOT_LABEL + ".plist", REFRESH_LABEL + ".plist"},
          f"vm/launchd holds exactly the two jobs, found {sorted(plists)}")
    for file, p in plists.items():
        check(p.get("Label") + ".plist" == file, f"{file}: Label {p.get('Label')!r} matches the file name")
        args = p.get("ProgramArguments", [])
        check(args[:2] == ["/opt/homebrew/bin/bash", LIBEXEC + "pod-env.sh"],
              f"{file}: runs pod-env.sh with Homebrew's bash (the tested bash 5), got {args[:2]}")
        path = p.get("EnvironmentVariables", {}).get("PATH", "")
        check(path.split(":")[0] == "/opt/homebrew/bin", f"{file}: PATH starts with /opt/homebrew/bin (tailscale, jq), got {path!r}")
        env = p.get("EnvironmentVariables", {})
        check(not any(k.startswith("TAILSCALE_AUTH") for k in env), f"{file}: no credential baked into the image")
        check(str(p.get("StandardErrorPath", "")).startswith(LOG_DIR),
              f"{file}: StandardErrorPath is in {LOG_DIR} (readable by the diagnostics account), got {p.get('StandardErrorPath')!r}")

    boot = plists.get(BOOT_LABEL + ".plist", {})
    args = boot.get("ProgramArguments", [])
    check(args[2:3] == [LIBEXEC + "boot-chain.sh"] and len(args) > 3,
          f"boot job: pod-env.sh runs boot-chain.sh with a release command, got {args}")
    check(boot.get("RunAtLoad") is True, "boot job: RunAtLoad (once per boot)")
    # tart-kubelet runs no probes: a release that exits 0 must be relaunched too.
    check(boot.get("KeepAlive") is True,
          f"boot job: KeepAlive true (relaunched after any exit, a clean one included); got {boot.get('KeepAlive')!r}")
    env = boot.get("EnvironmentVariables", {})
    check(env.get("SECRETS_DIRECTORY") == "/opt/tuist/release/lib/tuist-0.1.0/priv/secrets/",
          f"boot job: SECRETS_DIRECTORY is the release's priv/secrets/ (else it crash-loops), got {env.get('SECRETS_DIRECTORY')!r}")
    check(boot.get("WorkingDirectory") == "/opt/tuist/release",
          f"boot job: WorkingDirectory /opt/tuist/release, got {boot.get('WorkingDirectory')!r}")
    check(env.get("RELEASE_DIR") == boot.get("WorkingDirectory"), "boot job: RELEASE_DIR is its WorkingDirectory")
    for key, name in (("StandardOutPath", "stdout.log"), ("StandardErrorPath", "stderr.log")):
        check(boot.get(key) == LOG_DIR + name, f"boot job: {key} is {LOG_DIR}{name}, got {boot.get(key)!r}")
    check(env.get("DIAGNOSTICS_LOG") == LOG_DIR + "diagnostics.log", f"boot job: DIAGNOSTICS_LOG is {LOG_DIR}diagnostics.log")
    check(isinstance(boot.get("ThrottleInterval"), int) and boot["ThrottleInterval"] >= 30,
          f"boot job: ThrottleInterval of at least 30s paces relaunches, got {boot.get('ThrottleInterval')!r}")
    check("StartInterval" not in boot, "boot job: not periodic")

    refresh = plists.get(REFRESH_LABEL + ".plist", {})
    args = refresh.get("ProgramArguments", [])
    check(args[2:] == [LIBEXEC + "tailscale-up.sh", "--refresh-hosts"],
          f"refresh job: runs tailscale-up.sh --refresh-hosts, got {args}")
    interval = refresh.get("StartInterval")
    check(isinstance(interval, int) and 30 <= interval <= 300,
          f"refresh job: StartInterval between 30s and 5min (re-pinned within minutes), got {interval!r}")
    check("KeepAlive" not in refresh, "refresh job: no KeepAlive")
    check(refresh.get("RunAtLoad", False) is False, "refresh job: not at load (the boot chain pins at boot)")


# --- HCL -----------------------------------------------------------------------------------

class HclError(Exception):
    pass


def tokenize(text):
    """Yield (kind, value, line): kinds are ident, string, number, punct, newline.

    String values are the raw contents between the quotes (interpolations included)."""
    i, line, n = 0, 1, len(text)
    while i < n:
        c = text[i]
        if c == "\n":
            yield ("newline", "\n", line)
            line += 1
            i += 1
        elif c in " \t\r":
            i += 1
        elif c == "#" or text.startswith("//", i):
            while i < n and text[i] != "\n":
                i += 1
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            if end < 0:
                raise HclError(f"line {line}: unterminated /* comment")
            line += text.count("\n", i, end)
            i = end + 2
        elif text.startswith("<<", i):
            m = re.match(r"<<-?([A-Za-z_][A-Za-z0-9_]*)\n", text[i:])
            if not m:
                raise HclError(f"line {line}: malformed heredoc")
            start = i + m.end()
            end_m = re.compile(r"^[ \t]*" + m.group(1) + r"[ \t]*$", re.M).search(text, start)
            if not end_m:
                raise HclError(f"line {line}: heredoc {m.group(1)} is never closed")
            yield ("string", text[start:end_m.start()], line)
            line += text.count("\n", i, end_m.end())
            i = end_m.end()
        elif c == '"':
            j, depth, start_line = i + 1, 0, line
            # Inside ${...} strings may nest; track template depth and nested quotes.
            quote_stack = []
            while True:
                if j >= n or (text[j] == "\n" and depth == 0):
                    raise HclError(f"line {start_line}: unterminated string")
                ch = text[j]
                if ch == "\\":
                    j += 2
                    continue
                if depth == 0 and ch == '"':
                    break
                if text.startswith("${", j) or text.startswith("%{", j):
                    depth += 1
                    quote_stack.append("{")
                    j += 2
                    continue
                if depth > 0 and ch == "{":
                    quote_stack.append("{")
                elif depth > 0 and ch == "}":
                    quote_stack.pop()
                    depth = sum(1 for q in quote_stack if q == "{")
                elif depth > 0 and ch == '"':
                    # a nested string inside an interpolation
                    k = j + 1
                    while k < n and text[k] != '"':
                        k += 2 if text[k] == "\\" else 1
                    j = k
                if ch == "\n":
                    line += 1
                j += 1
            yield ("string", text[i + 1:j], start_line)
            i = j + 1
        elif re.match(r"[A-Za-z_]", c):
            m = re.match(r"[A-Za-z_][A-Za-z0-9_\-.]*", text[i:])
            yield ("ident", m.group(0), line)
            i += m.end()
        elif re.match(r"[0-9]", c):
            m = re.match(r"[0-9.]+", text[i:])
            yield ("number", m.group(0), line)
            i += m.end()
        else:
            two = text[i:i + 2]
            if two in ("==", "!=", "<=", ">=", "&&", "||", "=>"):
                yield ("punct", two, line)
                i += 2
            else:
                yield ("punct", c, line)
                i += 1


def parse_body(tokens, pos, closing):
    """Parse blocks and attributes until `closing` ('}' or None for end of file).

    Returns (body, pos) with body = {"attrs": {name: [tokens]}, "blocks": [(type, labels, body, line)]}."""
    body = {"attrs": {}, "blocks": []}
    while pos < len(tokens):
        kind, value, line = tokens[pos]
        if kind == "newline":
            pos += 1
            continue
        if kind == "punct" and value == "}":
            if closing != "}":
                raise HclError(f"line {line}: unexpected '}}'")
            return body, pos + 1
        if kind != "ident":
            raise HclError(f"line {line}: expected an attribute or block name, got {value!r}")
        name, pos = value, pos + 1
        if pos < len(tokens) and tokens[pos][:2] == ("punct", "="):
            pos += 1
            expr, stack = [], []
            while pos < len(tokens):
                k, v, ln = tokens[pos]
                if k == "newline" and not stack:
                    break
                if k == "punct" and v in "([{":
                    stack.append({"(": ")", "[": "]", "{": "}"}[v])
                elif k == "punct" and v in ")]}":
                    if not stack:
                        if v == "}" and closing == "}":
                            break
                        raise HclError(f"line {ln}: unbalanced {v!r}")
                    if stack.pop() != v:
                        raise HclError(f"line {ln}: mismatched {v!r}")
                expr.append(tokens[pos])
                pos += 1
            if stack:
                raise HclError(f"line {line}: attribute {name} is never closed")
            if not [t for t in expr if t[0] != "newline"]:
                raise HclError(f"line {line}: attribute {name} has no value")
            if name in body["attrs"]:
                raise HclError(f"line {line}: attribute {name} set twice")
            body["attrs"][name] = expr
            continue
        labels = []
        while pos < len(tokens) and tokens[pos][0] in ("string", "ident"):
            labels.append(tokens[pos][1])
            pos += 1
        if pos >= len(tokens) or tokens[pos][:2] != ("punct", "{"):
            raise HclError(f"line {line}: block {name} needs '{{' after its labels")
        child, pos = parse_body(tokens, pos + 1, "}")
        body["blocks"].append((name, labels, child, line))
    if closing == "}":
        raise HclError("end of file inside a block: a '}' is missing")
    return body, pos


def blocks(body, type_):
    return [b for b in body["blocks"] if b[0] == type_]


def unescape(s):
    return re.sub(r'\\(["\\nt])', lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), s)


def strings_in(expr):
    return [unescape(v) for k, v, _ in expr if k == "string"]


def check_packer(template, plists):
    rel = os.path.relpath(template, ROOT)
    text = open(template).read()
    try:
        tokens = list(tokenize(text))
        root, _ = parse_body(tokens, 0, None)
        check(True, "")
    except HclError as e:
        check(False, f"{rel}: {e}")
        return

    allowed = {"packer", "variable", "locals", "source", "build"}
    check({b[0] for b in root["blocks"]} <= allowed and not root["attrs"],
          f"{rel}: only {sorted(allowed)} at the top level")

    plugins = [b for p in blocks(root, "packer") for b in blocks(p[2], "required_plugins")]
    tart = plugins[0][2]["attrs"].get("tart", []) if plugins else []
    check("github.com/cirruslabs/tart" in strings_in(tart), f"{rel}: requires the cirruslabs/tart plugin")

    sources = blocks(root, "source")
    check(len(sources) == 1 and sources[0][1][0] == "tart-cli" and len(sources[0][1]) == 2,
          f"{rel}: one source \"tart-cli\" \"<name>\"")
    variables = {b[1][0] for b in blocks(root, "variable") if b[1]}
    locals_ = {k for b in blocks(root, "locals") for k in b[2]["attrs"]}
    for ref in sorted(set(re.findall(r"\bvar\.([A-Za-z_][A-Za-z0-9_-]*)", text))):
        check(ref in variables, f"{rel}: var.{ref} is declared")
    for ref in sorted(set(re.findall(r"\blocal\.([A-Za-z_][A-Za-z0-9_-]*)", text))):
        check(ref in locals_, f"{rel}: local.{ref} is declared")

    builds = blocks(root, "build")
    if not check(len(builds) == 1, f"{rel}: one build block"):
        return
    build = builds[0][2]
    if sources:
        want = f"source.tart-cli.{sources[0][1][1]}"
        check(strings_in(build["attrs"].get("sources", [])) == [want], f"{rel}: build.sources is [{want!r}]")
    provisioners = blocks(build, "provisioner")
    check(all(len(p[1]) == 1 and p[1][0] in ("shell", "file") for p in provisioners),
          f"{rel}: provisioners are shell or file")

    shell = "\n".join(s for p in provisioners if p[1] == ["shell"] for s in strings_in(p[2]["attrs"].get("inline", [])))
    uploaded = []
    for p in provisioners:
        if p[1] != ["file"]:
            continue
        srcs = strings_in(p[2]["attrs"].get("sources", [])) + strings_in(p[2]["attrs"].get("source", []))
        for s in srcs:
            if not check(s.startswith("${path.root}/"), f"{rel}: upload {s!r} is relative to the template (${{path.root}})"):
                continue
            path = os.path.normpath(os.path.join(os.path.dirname(template), s[len("${path.root}/"):]))
            check(os.path.isfile(path), f"{rel}: uploads {os.path.relpath(path, ROOT)}, which exists")
            uploaded.append(path)

    scripts = sorted(glob.glob(os.path.join(VM, "*.sh")))
    for path in scripts + sorted(glob.glob(os.path.join(VM, "launchd", "*.plist"))):
        check(path in uploaded, f"{rel}: uploads {os.path.relpath(path, ROOT)}")

    brew = re.search(r"^brew install (.+)$", shell, re.M)
    brewed = set(brew.group(1).split()) if brew else set()
    check({"tailscale", "jq", "bash", "oras"} <= brewed, f"{rel}: brew installs tailscale, jq, bash and oras, got {sorted(brewed)}")
    check(re.search(r"^xcrun xcresulttool version$", shell, re.M) is not None,
          f"{rel}: the build fails unless `xcrun xcresulttool version` works (full Xcode in the base)")

    # The base image: pinned by a digest variable that has no default and refuses anything else.
    variables_by_name = {b[1][0]: b[2] for b in blocks(root, "variable") if b[1]}
    source_attrs = sources[0][2]["attrs"] if sources else {}
    base = "".join(strings_in(source_attrs.get("vm_base_name", [])))
    check(base.endswith("@${var.vm_base_digest}"), f"{rel}: vm_base_name is <repository>@${{var.vm_base_digest}}, got {base!r}")
    digest_var = variables_by_name.get("vm_base_digest", {"attrs": {}, "blocks": []})
    check("default" not in digest_var["attrs"], f"{rel}: vm_base_digest has no default (a placeholder digest must not build silently)")
    conditions = [strings_in(v[2]["attrs"].get("condition", [])) for v in blocks(digest_var, "validation")]
    check(any("^sha256:[0-9a-f]{64}$" in c for cs in conditions for c in cs),
          f"{rel}: vm_base_digest has a validation accepting only sha256:<64 hex>")

    def default_of(name):
        return "".join(strings_in(variables_by_name.get(name, {"attrs": {}})["attrs"].get("default", [])))
    check(default_of("vm_base_repository") == "ghcr.io/tuist/macos-tahoe-xcode",
          f"{rel}: the base is the Xcode image ghcr.io/tuist/macos-tahoe-xcode, got {default_of('vm_base_repository')!r}")
    check(default_of("vm_name") == "tuist-xcresult-processor", f"{rel}: the output image is tuist-xcresult-processor, got {default_of('vm_name')!r}")

    # The diagnostics account is the one the tailnet policy names (src/config/vm.ts).
    ts = open(os.path.join(ROOT_REPO, "src", "config", "vm.ts")).read()
    want_user = re.search(r"export const VM_DIAGNOSTICS_USER = '([^']+)'", ts)
    check(want_user is not None and default_of("diagnostics_user") == want_user.group(1),
          f"{rel}: diagnostics_user is VM_DIAGNOSTICS_USER of src/config/vm.ts ({want_user.group(1) if want_user else '?'}), got {default_of('diagnostics_user')!r}")
    check(re.search(r"dscl \. -create /Users/\$user Password '\*'", shell) is not None,
          f"{rel}: the diagnostics account is created without a password")
    check(re.search(r"must not have sudo", shell) is not None and re.search(r"must not be an admin", shell) is not None,
          f"{rel}: the build fails if the diagnostics account is an admin or has sudo")
    check(re.search(r"install -d -o root -g \$user -m 0750 \$\{local\.log_dir\}", shell) is not None,
          f"{rel}: the log directory is readable by the diagnostics account's group")
    log_dir = re.search(r'log_dir\s*=\s*"([^"]+)"', text)
    check(log_dir is not None and log_dir.group(1) + "/" == LOG_DIR, f"{rel}: log_dir is {LOG_DIR}")
    check(re.search(r"install -d -o root -g wheel -m 0755 \$\{local\.release_dir\}", shell) is not None,
          f"{rel}: creates the release directory (launchd's WorkingDirectory must exist before the first fetch)")
    check(re.search(r"tailscaled\"? install-system-daemon", shell) is not None, f"{rel}: installs tailscaled as a system daemon")
    check("rm -rf /Library/Tailscale" in shell, f"{rel}: leaves no tailscaled state (machine key) in the image")

    script_install = re.search(r"install -o root -g wheel -m 0755 (.+) \$\{local\.libexec\}/", shell)
    installed = set(script_install.group(1).split()) if script_install else set()
    check(installed == {os.path.basename(s) for s in scripts}, f"{rel}: installs every vm/*.sh 0755 root:wheel, got {sorted(installed)}")
    daemon_install = re.search(r"install -o root -g wheel -m 0644 (.+) /Library/LaunchDaemons/", shell)
    daemons = set(daemon_install.group(1).split()) if daemon_install else set()
    check(daemons == set(plists), f"{rel}: installs every plist to /Library/LaunchDaemons 0644 root:wheel, got {sorted(daemons)}")
    libexec = re.search(r'libexec\s*=\s*"([^"]+)"', text)
    check(libexec is not None and libexec.group(1) + "/" == LIBEXEC, f"{rel}: installs scripts to {LIBEXEC}")

    for file, p in plists.items():
        for arg in p.get("ProgramArguments", []):
            if arg.startswith(LIBEXEC):
                name = arg[len(LIBEXEC):]
                check(name in installed and os.path.isfile(os.path.join(VM, name)),
                      f"{file}: runs {arg}, which the image installs from vm/{name}")
        if p.get("ProgramArguments", [""])[0] == "/opt/homebrew/bin/bash":
            check("bash" in brewed, f"{file}: runs Homebrew's bash, which the image installs")


def main():
    plists = load_plists()
    check_plists(plists)
    templates = sorted(glob.glob(os.path.join(VM, "packer", "*.pkr.hcl")))
    check(len(templates) == 1, f"one Packer template in vm/packer, found {len(templates)}")
    for t in templates:
        check_packer(t, plists)
    for f in failures:
        print(f"FAIL {f}")
    print(f"check_image: {passed} checks passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
