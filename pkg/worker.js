// rotor/worker: Cloudflare Worker and Durable Object glue for the issuer (filled in by the issuer feature).
export {};
