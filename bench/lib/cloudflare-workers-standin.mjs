// Stand-in for the `cloudflare:workers` module under Node. workers-oauth-provider imports only
// `WorkerEntrypoint`, for an `instanceof`-style check of class handlers; the benchmark passes
// plain object handlers, so this class is never instantiated.
export class WorkerEntrypoint {
  constructor(ctx, env) {
    this.ctx = ctx;
    this.env = env;
  }
}
export class DurableObject {
  constructor(ctx, env) {
    this.ctx = ctx;
    this.env = env;
  }
}
export const env = {};
