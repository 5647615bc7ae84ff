// esbuild helpers: the Node build of workers-oauth-provider (with `cloudflare:workers` mapped
// to a stand-in) and the minified peer bundles whose sizes the table reports.
import * as esbuild from "esbuild";
import { fileURLToPath } from "node:url";

export const BENCH = fileURLToPath(new URL("..", import.meta.url));
const STANDIN = fileURLToPath(new URL("./cloudflare-workers-standin.mjs", import.meta.url));

/** Maps the `cloudflare:workers` import to lib/cloudflare-workers-standin.mjs. */
export const cloudflareWorkersStandin = {
  name: "cloudflare-workers-standin",
  setup(build) {
    build.onResolve({ filter: /^cloudflare:workers$/ }, () => ({ path: STANDIN }));
  },
};

/** Bundles lib/wop.mjs for Node; returns the output file path. */
export async function buildWopForNode(outdir) {
  const outfile = `${outdir}/wop-node.mjs`;
  await esbuild.build({
    entryPoints: [fileURLToPath(new URL("./wop.mjs", import.meta.url))],
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node20",
    outfile,
    plugins: [cloudflareWorkersStandin],
    logLevel: "error",
  });
  return outfile;
}
