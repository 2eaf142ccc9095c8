// The Pulumi program's parts; main.ts (Pulumi.yaml `main`) is the entry point and is not re-exported.
export * from './applied-manifests';
export * from './credential-rotation';
export * from './environment-stack';
export * from './guard-rails';
export * from './manifest-plan';
export * from './minted-vm-credential';
export * from './offline-run';
export * from './policy-marker';
export * from './policy-provider';
export * from './policy-writer';
export * from './providers';
export * from './stack-config';
export * from './stack-environment';
export * from './tailnet-policy';
export * from './tailscale-api';
