// The one place that chooses the OT type the document authority uses.
//
// The authority (docs.mjs) only relies on the shape of an ottypes type:
// normalize(op), transform(op, other, 'left'|'right'), apply(text, op),
// transformPosition(pos, op). Until the project's wasm build exists, the
// default is the npm `ot-text-unicode` package (the text-unicode type ShareDB
// uses). The wasm engine replaces it here:
//
//   import { load } from '../../dist/pyframe_rt.mjs';
//   export const otType = (await load()).ot.type;
//
// startServer({otType}) overrides it per server, for tests.

import textUnicode from 'ot-text-unicode';

export const otType = textUnicode.type;
