/**
 * Property tests run the same programs on every machine by default, so `npm test` passes or fails
 * the same way in CI as it did here. FC_SEED=<n> picks another set of programs; FC_SEED=random
 * draws a fresh seed, which fast-check prints with any counterexample so it can be replayed.
 */
import fc from 'fast-check';

const env = process.env['FC_SEED'];
if (env !== 'random') fc.configureGlobal({ seed: env ? Number(env) : 20261121 });
