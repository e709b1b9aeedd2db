// Pre-js of the wasm test binary: Emscripten's getenv() reads its own ENV
// table, not Node's environment; copy what the tests read.
Module['preRun'] = Module['preRun'] || [];
Module['preRun'].push(function () {
  for (var name of ['PF_TRACES_DIR']) {
    if (process.env[name] !== undefined) ENV[name] = process.env[name];
  }
});
