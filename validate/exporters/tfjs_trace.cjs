#!/usr/bin/env node
// tfjs_trace.cjs: record an optimizer trace from TensorFlow.js for `gnlab audit`.
//
// A linear model f = w.x with squared loss, trained one sample at a time by
// tf.train.adam or tf.train.sgd on the pure JavaScript CPU backend (float32). Each step
// writes one JSON Lines record: the gradient g the optimizer received, its state m, v, t
// before the step (Adam), w before and after (docs/trace-format.md gives the format).
//
// usage: node tfjs_trace.cjs --opt adam|sgd [--steps N] [--dim D] [--seed S] [--out FILE]
//        node tfjs_trace.cjs --batch DIR   (DIR/tfjs_adam.jsonl and DIR/tfjs_sgd.jsonl)
// Needs `npm ci` in this directory (package.json pins @tensorflow/tfjs).
'use strict';

const fs = require('fs');

function parseArgs(argv) {
  const a = {opt: 'adam', steps: 100, dim: 8, seed: 20261122, out: '-', batch: null};
  for (let i = 2; i < argv.length; i++) {
    const k = argv[i];
    const v = argv[i + 1];
    if (k === '--opt' && (v === 'adam' || v === 'sgd')) a.opt = v;
    else if (k === '--steps' && /^[1-9][0-9]*$/.test(v)) a.steps = Number(v);
    else if (k === '--dim' && /^[1-9][0-9]*$/.test(v)) a.dim = Number(v);
    else if (k === '--seed' && /^[0-9]+$/.test(v)) a.seed = Number(v);
    else if (k === '--out' && v) a.out = v;
    else if (k === '--batch' && v) a.batch = v;
    else {
      process.stderr.write(`tfjs_trace.cjs: bad argument '${k} ${v === undefined ? '' : v}'\n` +
          'usage: node tfjs_trace.cjs --opt adam|sgd [--steps N] [--dim D] [--seed S] [--out FILE]\n');
      process.exit(2);
    }
    i++;
  }
  return a;
}

// a small deterministic generator (mulberry32) and Box-Muller normals
function rng(seed) {
  let s = seed >>> 0;
  const u = () => {
    s = (s + 0x6D2B79F5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => {
    const a = u() || 1e-12;
    return Math.sqrt(-2 * Math.log(a)) * Math.cos(2 * Math.PI * u());
  };
}

async function main() {
  const a = parseArgs(process.argv);
  if (a.batch) {
    for (const opt of ['adam', 'sgd'])
      await run(Object.assign({}, a, {opt, out: `${a.batch}/tfjs_${opt}.jsonl`}));
  } else {
    await run(a);
  }
}

async function run(a) {
  // quiet the "use tfjs-node" hint (printed with console.log / console.warn): the pure
  // JavaScript backend is what we audit, and the trace may go to standard output
  console.log = () => {};
  console.warn = () => {};
  const tf = require('@tensorflow/tfjs');
  await tf.setBackend('cpu');
  await tf.ready();

  const normal = rng(a.seed);
  const d = a.dim;
  const lr = a.opt === 'adam' ? 0.01 : 0.05;
  const b1 = 0.9, b2 = 0.999, eps = 1e-7;
  const w = tf.variable(tf.tensor1d(Array.from({length: d}, () => normal()), 'float32'), true, 'w');
  const opt = a.opt === 'adam' ? tf.train.adam(lr, b1, b2, eps) : tf.train.sgd(lr);
  const out = a.out === '-' ? process.stdout : fs.createWriteStream(a.out);

  for (let s = 0; s < a.steps; s++) {
    const scale = 2 ** ((s % 5) - 2);
    const x = tf.tensor1d(Array.from({length: d}, () => normal() * scale), 'float32');
    const y = tf.scalar(normal(), 'float32');
    const {grads} = tf.variableGrads(() => {
      const e = tf.sub(tf.sum(tf.mul(w, x)), y);
      return tf.mul(0.5, tf.mul(e, e));
    }, [w]);
    const g = grads['w'];
    const rec = {method: a.opt, dtype: 'float32', alpha: lr};
    rec.g = Array.from(g.dataSync());
    rec.w = Array.from(w.dataSync());
    if (a.opt === 'adam') {
      const t = opt.iterations;
      let m = new Array(d).fill(0), v = new Array(d).fill(0);
      if (t > 0) {
        const ws = await opt.getWeights();
        const mw = ws.find((n) => n.name.endsWith('/m'));
        const vw = ws.find((n) => n.name.endsWith('/v'));
        m = Array.from(mw.tensor.dataSync());
        v = Array.from(vw.tensor.dataSync());
      }
      Object.assign(rec, {beta1: b1, beta2: b2, eps, t, m, v});
    }
    opt.applyGradients({w: g});
    rec.w_after = Array.from(w.dataSync());
    out.write(JSON.stringify(rec) + '\n');
    tf.dispose([x, y, g]);
  }
  if (out !== process.stdout) await new Promise((res) => out.end(res));
  opt.dispose();
  w.dispose();
}

main().catch((e) => {
  process.stderr.write(`tfjs_trace.cjs: ${e && e.stack ? e.stack : e}\n`);
  process.exit(1);
});
