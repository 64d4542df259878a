// OpenBao's bao binary for the tests and benchmarks: $VAULTLET_BAO, else the checkout's
// .tools/bin/bao (scripts/install-test-deps.sh); never one from PATH. The one lookup lives
// with the demo, which also runs OpenBao (npm run demo -- --vault bao).
export { openbaoBinary } from '../../src/demo/openbao-binary.js';
