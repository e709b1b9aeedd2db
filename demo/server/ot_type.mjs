// The one place that chooses the OT type the document authority uses.
//
// The authority (docs.mjs) only relies on the shape of an ottypes type:
// normalize(op), transform(op, other, 'left'|'right'), apply(text, op),
// transformPosition(pos, op). It is the project's wasm engine
// (runtime/pf_ot.c through rt.ot.type of dist/pyframe_rt.mjs), the
// text-unicode type with the surface of the npm package ot-text-unicode,
// which stays only as the oracle of test/js/ot.test.mjs.
//
// The document it holds open is an rt.ot.Document of the same engine: the
// text stays in the wasm heap and only operations cross.
//
// startServer({otType, otDocument}) overrides them per server, for tests.

import PyFrameRT from '../../dist/pyframe_rt.mjs';

const rt = await PyFrameRT.load();
export const otType = rt.ot.type;
export const otDocument = (text) => new rt.ot.Document(text);
