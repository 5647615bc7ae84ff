// Runs the shared vector suites inside any runtime (Deno, Bun; no Node API): the client seeds
// (tests/vectors/client/*.json, through client-vectors-runner.mjs), the adversarial JWT corpus
// (tests/vectors/jwt/adversarial.json) and the scheduling cases
// (tests/vectors/schedule/timing.json). Returns plain, JSON-able results that
// tests/support/vectors-check.mjs compares with the expectations in Node.
import { runClientVectors } from "./client-vectors-runner.mjs";

const tokenOf = (c) => c.token ?? c.tokenRepeat.prefix + c.tokenRepeat.repeat.repeat(c.tokenRepeat.count) + c.tokenRepeat.suffix;
const run = (fn) => {
  try {
    return fn();
  } catch (e) {
    return { error: e.code, name: e.name, isError: e instanceof Error };
  }
};

export function runVectors(rotor, { requests, responses, jwt, schedule }) {
  return {
    version: rotor.version(),
    client: runClientVectors(rotor, requests, responses),
    jwt: jwt.cases.map((c) => {
      try {
        rotor.verifyJwt(tokenOf(c), { ...c.options, now: jwt.now });
        return "ok";
      } catch (e) {
        return `${e.name}:${e.code}`;
      }
    }),
    schedule: {
      nextRefreshAt: schedule.nextRefreshAt.map((c) => run(() => rotor.nextRefreshAt(c.tokenSet, c.options))),
      backoffDelay: schedule.backoffDelay.map((c) => run(() => rotor.backoffDelay(c.attempt, c.options))),
      estimateClockSkew: schedule.estimateClockSkew.map((c) => run(() => rotor.estimateClockSkew(c.input))),
    },
  };
}
