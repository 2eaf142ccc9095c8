#!/usr/bin/env node
// Parses the Packer templates with HashiCorp's own HCL parser (hcl2json compiled to wasm,
// npm @cdktf/hcl2json), which catches what check_image.py's structural parser cannot.
// Usage: check_hcl_syntax.js [VM_DIR]. Exit 0: parsed; 1: a syntax error; 3: parser not installed.
'use strict';
const fs = require('fs');
const path = require('path');

const vmDir = path.resolve(process.argv[2] || path.join(__dirname, '..', '..', 'vm'));
const searchPaths = [path.join(__dirname, '..', '..'), ...(process.env.NODE_PATH || '').split(path.delimiter).filter(Boolean)];

let parse;
try {
  ({ parse } = require(require.resolve('@cdktf/hcl2json', { paths: searchPaths })));
} catch {
  console.log('check_hcl_syntax: @cdktf/hcl2json is not installed; real HCL parse skipped');
  process.exit(3);
}

(async () => {
  const dir = path.join(vmDir, 'packer');
  const templates = fs.readdirSync(dir).filter((f) => f.endsWith('.pkr.hcl'));
  let failed = 0;
  for (const file of templates) {
    try {
      const json = await parse(file, fs.readFileSync(path.join(dir, file), 'utf8'));
      if (!json.build || !json.source || !json.source['tart-cli']) throw new Error('no build or source "tart-cli" block');
    } catch (e) {
      failed += 1;
      console.log(`FAIL ${path.join('vm/packer', file)}: ${e.message || e}`);
    }
  }
  console.log(`check_hcl_syntax: ${templates.length - failed} of ${templates.length} templates parse`);
  process.exit(failed || templates.length === 0 ? 1 : 0);
})();
