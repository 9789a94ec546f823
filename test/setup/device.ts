// The tests run on onnxruntime's CPU provider whatever the machine has, and without the notice that
// `--device auto` prints; the tests of --device itself ask for auto or delete this.
process.env.CMAAM_DEVICE = 'cpu'
