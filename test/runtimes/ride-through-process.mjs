// ride-through.mjs as a process: `<runtime> ride-through-process.mjs <url>`, facts on stdout. It never
// calls exit: the test checks that the runtime ends by itself once the line is closed.
import { rideThrough } from './ride-through.mjs';

rideThrough(globalThis.Deno?.args[0] ?? globalThis.process.argv[2], (fact) => console.log(fact));
