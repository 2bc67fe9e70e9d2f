/**
 * Gradient kernels that the tfjs wasm backend lacks or runs slowly, registered for "wasm".
 *
 * Which implementation serves each kernel (kernels.test.ts checks each against the CPU backend):
 *
 * | kernel                              | how                                                    |
 * | ----------------------------------- | ------------------------------------------------------ |
 * | Conv2D, FusedConv2D of 1 input channel, outC >= 4, no bias | wasm convForward1 (16 channels in registers) |
 * | Conv2DBackpropFilter, outC >= 4     | wasm convFilterGrad (direct, register-tiled, SIMD)     |
 * | Conv2DBackpropFilter, outC < 4      | wasm im2colT (transposed patches) + XNNPACK matmul     |
 * | Conv2DBackpropInput, stride 1       | XNNPACK conv2d of dy with the flipped, transposed filter |
 * | Conv2DBackpropInput, other          | wasm convInputGrad (gathered per input pixel, SIMD dots) |
 * | DepthwiseConv2dNativeBackpropFilter | wasm direct kernel                                     |
 * | DepthwiseConv2dNativeBackpropInput  | wasm direct kernel                                     |
 * | AvgPoolGrad                         | wasm direct kernel (stock one: ~130 ms on res8's pool) |
 * | MaxPoolGrad                         | wasm direct kernel (stock one is wrong for channels > 1) |
 * | EarshotReluGrad (ReLU's gradient)   | wasm, one pass (tfjs: step, cast and multiply)         |
 * | Sum, Mean over all axes but the last | wasm channelSum (stock transposes first); other axes: stock |
 * | EarshotChannelBroadcast (Mean's gradient over all axes but the last) | wasm, one pass |
 * | EarshotChannelDotCentered (Σ dy·(x − mean), batch norm's gradient) | wasm, one pass |
 * | FusedBatchNorm, per-channel parameters | wasm, one pass (stock: a division and a sqrt per element) |
 * | Identity (tfjs clones what it saves for the backward pass) | shares the data (stock: copies) |
 * | Cast to the same dtype                | shares the data (stock: copies); other casts: stock    |
 *
 * The wasm kernels (kernels/wasm/kernels.as, AssemblyScript) import the backend's own memory and
 * work on tensors in place, so nothing is copied between heaps. The ops that batch norm (see
 * gradients.ts), softmax cross-entropy and STE quantizers differentiate through are stock kernels.
 */
import {
  AvgPoolGrad,
  type AvgPoolGradAttrs,
  backend_util,
  Cast,
  Conv2D,
  type Conv2DAttrs,
  Conv2DBackpropFilter,
  type Conv2DBackpropFilterAttrs,
  Conv2DBackpropInput,
  type Conv2DBackpropInputAttrs,
  DepthwiseConv2dNativeBackpropFilter,
  type DepthwiseConv2dNativeBackpropFilterAttrs,
  DepthwiseConv2dNativeBackpropInput,
  type DepthwiseConv2dNativeBackpropInputAttrs,
  FusedBatchNorm,
  FusedConv2D,
  getKernel,
  Identity,
  type KernelConfig,
  type KernelFunc,
  MaxPoolGrad,
  type MaxPoolGradAttrs,
  type NamedAttrMap,
  registerKernel,
  type TensorInfo,
  unregisterKernel,
} from "@tensorflow/tfjs";
import { TRAIN_KERNELS_WASM_BASE64 } from "./wasm-binary";

/** The slice of the WebAssembly JS API used here (tsconfig's ES2022 lib does not declare it). */
interface WasmApi {
  Memory: abstract new (...args: never[]) => object;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}
const WA = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** The parts of tfjs-backend-wasm's BackendWasm these kernels use. */
interface WasmBackend {
  wasm: { asm?: { memory?: object }; HEAPF32: Float32Array };
  dataIdMap: { get(dataId: object): { id: number; memoryOffset: number } };
  makeOutput(shape: number[], dtype: "float32"): TensorInfo;
  disposeData(dataId: object): boolean;
  typedArrayFromHeap(t: TensorInfo): Float32Array;
}

interface TrainKernels {
  im2colT(...args: number[]): void;
  convFilterGrad(...args: number[]): void;
  convInputGrad(...args: number[]): void;
  convForward1(...args: number[]): void;
  avgPoolGrad(...args: number[]): void;
  maxPoolGrad(...args: number[]): void;
  reluGrad(...args: number[]): void;
  channelSum(...args: number[]): void;
  channelSum64(...args: number[]): void;
  channelBroadcast(...args: number[]): void;
  batchNorm(...args: number[]): void;
  channelDotCentered(...args: number[]): void;
  depthwiseFilterGrad(...args: number[]): void;
  depthwiseInputGrad(...args: number[]): void;
}

const BACKEND = "wasm";
let compiled: object | undefined;
const instances = new WeakMap<WasmBackend, TrainKernels>();

/** The kernels instantiated on this backend's memory (once per backend). */
function kernelsFor(backend: WasmBackend): TrainKernels {
  let k = instances.get(backend);
  if (k) return k;
  const memory = backend.wasm.asm?.memory;
  if (!(memory instanceof WA.Memory)) {
    throw new Error("tfjs wasm backend does not expose its memory; cannot run earshot kernels");
  }
  compiled ??= new WA.Module(Buffer.from(TRAIN_KERNELS_WASM_BASE64, "base64"));
  k = new WA.Instance(compiled, { env: { memory } }).exports as unknown as TrainKernels;
  instances.set(backend, k);
  return k;
}

const ptr = (b: WasmBackend, t: TensorInfo): number => b.dataIdMap.get(t.dataId).memoryOffset;

/** Runs another kernel registered for wasm (stock or ours) on tensors of this backend. */
function call(b: WasmBackend, name: string, inputs: Record<string, TensorInfo>, attrs = {}) {
  const cfg = getKernel(name, BACKEND);
  if (!cfg) throw new Error(`kernel '${name}' not registered for backend '${BACKEND}'`);
  return cfg.kernelFunc({
    inputs,
    attrs: attrs as NamedAttrMap,
    backend: b as never,
  }) as TensorInfo;
}

/** A view of a tensor under another shape (wasm Reshape shares the data). */
function reshaped(b: WasmBackend, x: TensorInfo, shape: number[]): TensorInfo {
  return call(b, "Reshape", { x }, { shape });
}

type Conv2DInfo = backend_util.Conv2DInfo;

/** Geometry arguments shared by the wasm conv kernels, in their order. */
function convArgs(ci: Conv2DInfo): number[] {
  return [
    ci.batchSize,
    ci.inHeight,
    ci.inWidth,
    ci.inChannels,
    ci.outHeight,
    ci.outWidth,
    ci.filterHeight,
    ci.filterWidth,
    ci.strideHeight,
    ci.strideWidth,
    ci.dilationHeight,
    ci.dilationWidth,
    ci.padInfo.top,
    ci.padInfo.left,
  ];
}

/**
 * dW: with 4 or more output channels, one wasm pass over x and dy (convFilterGrad: 4 filter rows
 * x 8 channels in registers, no patch matrix); with fewer, im2colT(x) · dy, dy viewed as
 * [positions, outC], which lands in [fh, fw, inC, outC].
 */
const conv2DBackpropFilter: KernelFunc = ({ inputs, backend, attrs }) => {
  const b = backend as unknown as WasmBackend;
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const a = attrs as unknown as Conv2DBackpropFilterAttrs;
  const ci = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    a.filterShape,
    a.strides,
    1,
    a.pad,
    a.dimRoundingMode,
    false,
    backend_util.convertConv2DDataFormat(a.dataFormat),
  );
  assertChannelsLast(ci, "Conv2DBackpropFilter");
  if (ci.outChannels >= 4) {
    return runConvKernel(b, "convFilterGrad", x, dy, b.makeOutput(a.filterShape, "float32"), ci);
  }
  const k = ci.filterHeight * ci.filterWidth * ci.inChannels;
  const m = ci.batchSize * ci.outHeight * ci.outWidth;
  const cols = b.makeOutput([k, m], "float32");
  kernelsFor(b).im2colT(ptr(b, x), ptr(b, cols), ...convArgs(ci));
  const dy2 = reshaped(b, dy, [m, ci.outChannels]);
  const dw = call(b, "BatchMatMul", { a: cols, b: dy2 }, { transposeA: false, transposeB: false });
  b.disposeData(cols.dataId);
  b.disposeData(dy2.dataId);
  const out = reshaped(b, dw, a.filterShape);
  b.disposeData(dw.dataId);
  return out;
};

/** Runs one of the wasm conv kernels that take (a, b, out, ...convArgs, outChannels). */
function runConvKernel(
  b: WasmBackend,
  kernel: "convFilterGrad" | "convInputGrad" | "convForward1",
  inA: TensorInfo,
  inB: TensorInfo,
  out: TensorInfo,
  ci: Conv2DInfo,
): TensorInfo {
  kernelsFor(b)[kernel](ptr(b, inA), ptr(b, inB), ptr(b, out), ...convArgs(ci), ci.outChannels);
  return out;
}

/**
 * Conv2D / FusedConv2D (no bias, linear activation) of a one-channel input with 4 or more
 * output channels: earshot's wasm convForward1 (the first layer of res8, DS-CNN, TinyConv, where
 * XNNPACK is slow); anything else to the stock kernel.
 */
function oneChannelConv(name: typeof Conv2D | typeof FusedConv2D): KernelFunc {
  return (args) => {
    const b = args.backend as unknown as WasmBackend;
    const { x, filter, bias, preluActivationWeights } = args.inputs as Record<
      string,
      TensorInfo | undefined
    >;
    const a = args.attrs as unknown as Conv2DAttrs & { activation?: string | null };
    const xi = x as TensorInfo;
    const fi = filter as TensorInfo;
    const dil = Array.isArray(a.dilations) ? a.dilations : [a.dilations ?? 1, a.dilations ?? 1];
    const plain =
      bias === undefined &&
      preluActivationWeights === undefined &&
      (a.activation == null || a.activation === "linear");
    if (
      !plain ||
      xi.dtype !== "float32" ||
      xi.shape.length !== 4 ||
      xi.shape[3] !== 1 ||
      fi.shape[3] < 4 ||
      (a.dataFormat ?? "NHWC") !== "NHWC" ||
      dil[0] !== 1 ||
      dil[1] !== 1
    ) {
      return (stock[name] as KernelConfig).kernelFunc(args);
    }
    const ci = backend_util.computeConv2DInfo(
      xi.shape as [number, number, number, number],
      fi.shape as [number, number, number, number],
      a.strides,
      1,
      a.pad,
      a.dimRoundingMode,
    );
    return runConvKernel(b, "convForward1", xi, fi, b.makeOutput(ci.outShape, "float32"), ci);
  };
}

/** The filter [fh, fw, inC, outC] rotated 180° and transposed to [fh, fw, outC, inC]. */
function flippedFilter(b: WasmBackend, filter: TensorInfo): TensorInfo {
  const [fh, fw, cin, cout] = filter.shape;
  const out = b.makeOutput([fh, fw, cout, cin], "float32");
  // Views only after allocating: makeOutput may grow (and detach) the heap.
  const src = b.typedArrayFromHeap(filter);
  const dst = b.typedArrayFromHeap(out);
  for (let y = 0; y < fh; y++)
    for (let x = 0; x < fw; x++)
      for (let i = 0; i < cin; i++)
        for (let o = 0; o < cout; o++)
          dst[(((fh - 1 - y) * fw + (fw - 1 - x)) * cout + o) * cin + i] =
            src[((y * fw + x) * cin + i) * cout + o];
  return out;
}

/**
 * dX of a conv. Stride 1: correlating dy with the flipped filter is a plain forward conv, which
 * XNNPACK runs several times faster than the stock transposed conv. Otherwise (strided) a wasm
 * kernel gathers each input pixel's gradient from the outputs its taps reach.
 */
const conv2DBackpropInput: KernelFunc = ({ inputs, backend, attrs }) => {
  const b = backend as unknown as WasmBackend;
  const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
  const a = attrs as unknown as Conv2DBackpropInputAttrs;
  const ci = backend_util.computeConv2DInfo(
    a.inputShape,
    filter.shape as [number, number, number, number],
    a.strides,
    1,
    a.pad,
    a.dimRoundingMode,
    false,
    backend_util.convertConv2DDataFormat(a.dataFormat),
  );
  assertChannelsLast(ci, "Conv2DBackpropInput");
  const { filterHeight: fh, filterWidth: fw, padInfo } = ci;
  const top = fh - 1 - padInfo.top;
  const left = fw - 1 - padInfo.left;
  const bottom = ci.inHeight + fh - 1 - ci.outHeight - top;
  const right = ci.inWidth + fw - 1 - ci.outWidth - left;
  if (ci.strideHeight === 1 && ci.strideWidth === 1 && Math.min(top, left, bottom, right) >= 0) {
    const wf = flippedFilter(b, filter);
    const dx = call(
      b,
      "Conv2D",
      { x: dy, filter: wf },
      {
        strides: 1,
        dilations: 1,
        pad: [
          [0, 0],
          [top, bottom],
          [left, right],
          [0, 0],
        ],
        dataFormat: "NHWC",
      },
    );
    b.disposeData(wf.dataId);
    return dx;
  }
  return runConvKernel(b, "convInputGrad", dy, filter, b.makeOutput(a.inputShape, "float32"), ci);
};

function depthwiseInfo(
  xShape: number[],
  filterShape: number[],
  a: { strides: number | [number, number]; dilations: number | [number, number] } & {
    pad: DepthwiseConv2dNativeBackpropInputAttrs["pad"];
    dimRoundingMode?: DepthwiseConv2dNativeBackpropInputAttrs["dimRoundingMode"];
  },
): Conv2DInfo {
  return backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    a.strides,
    a.dilations,
    a.pad,
    a.dimRoundingMode,
    true,
  );
}

/** Geometry for the depthwise kernels: convArgs with the channel multiplier after outWidth. */
function depthwiseArgs(ci: Conv2DInfo): number[] {
  const g = convArgs(ci);
  g.splice(6, 0, ci.outChannels / ci.inChannels);
  return g;
}

const depthwiseBackpropFilter: KernelFunc = ({ inputs, backend, attrs }) => {
  const b = backend as unknown as WasmBackend;
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const a = attrs as unknown as DepthwiseConv2dNativeBackpropFilterAttrs;
  const ci = depthwiseInfo(x.shape, a.filterShape, a);
  const dw = b.makeOutput(a.filterShape, "float32");
  kernelsFor(b).depthwiseFilterGrad(ptr(b, x), ptr(b, dy), ptr(b, dw), ...depthwiseArgs(ci));
  return dw;
};

const depthwiseBackpropInput: KernelFunc = ({ inputs, backend, attrs }) => {
  const b = backend as unknown as WasmBackend;
  const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
  const a = attrs as unknown as DepthwiseConv2dNativeBackpropInputAttrs;
  const ci = depthwiseInfo(a.inputShape, filter.shape, a);
  const dx = b.makeOutput(a.inputShape, "float32");
  kernelsFor(b).depthwiseInputGrad(ptr(b, dy), ptr(b, filter), ptr(b, dx), ...depthwiseArgs(ci));
  return dx;
};

const avgPoolGrad: KernelFunc = ({ inputs, backend, attrs }) => {
  const b = backend as unknown as WasmBackend;
  const { dy, input } = inputs as { dy: TensorInfo; input: TensorInfo };
  const a = attrs as unknown as AvgPoolGradAttrs;
  const ci = backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    a.filterSize,
    a.strides,
    1,
    a.pad,
  );
  const dx = b.makeOutput(input.shape, "float32");
  // Same scaling as tfjs' reference kernels: 1/(window size), padding included.
  kernelsFor(b).avgPoolGrad(
    ptr(b, dy),
    ptr(b, dx),
    ci.batchSize,
    ci.inHeight,
    ci.inWidth,
    ci.inChannels,
    ci.outHeight,
    ci.outWidth,
    ci.filterHeight,
    ci.filterWidth,
    ci.strideHeight,
    ci.strideWidth,
    ci.padInfo.top,
    ci.padInfo.left,
    1 / (ci.filterHeight * ci.filterWidth),
  );
  return dx;
};

const maxPoolGrad: KernelFunc = ({ inputs, backend, attrs }) => {
  const b = backend as unknown as WasmBackend;
  const { dy, input } = inputs as { dy: TensorInfo; input: TensorInfo };
  const a = attrs as unknown as MaxPoolGradAttrs;
  const ci = backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    a.filterSize,
    a.strides,
    1,
    a.pad,
    a.dimRoundingMode,
  );
  const dx = b.makeOutput(input.shape, "float32");
  kernelsFor(b).maxPoolGrad(
    ptr(b, input),
    ptr(b, dy),
    ptr(b, dx),
    ci.batchSize,
    ci.inHeight,
    ci.inWidth,
    ci.inChannels,
    ci.outHeight,
    ci.outWidth,
    ci.filterHeight,
    ci.filterWidth,
    ci.strideHeight,
    ci.strideWidth,
    ci.padInfo.top,
    ci.padInfo.left,
  );
  return dx;
};

/** Name of earshot's own ReLU-gradient kernel (used by the Relu gradient in gradients.ts). */
export const RELU_GRAD = "EarshotReluGrad";

const reluGrad: KernelFunc = ({ inputs, backend }) => {
  const b = backend as unknown as WasmBackend;
  const { dy, x } = inputs as { dy: TensorInfo; x: TensorInfo };
  const dx = b.makeOutput(x.shape, "float32");
  const n = x.shape.reduce((a, d) => a * d, 1);
  kernelsFor(b).reluGrad(ptr(b, dy), ptr(b, x), ptr(b, dx), n);
  return dx;
};

/**
 * FusedBatchNorm with per-channel mean, variance, offset and scale (what batch-norm layers pass):
 * one wasm pass with the per-channel factors computed once; other shapes to the stock kernel.
 */
const fusedBatchNorm: KernelFunc = (args) => {
  const b = args.backend as unknown as WasmBackend;
  const { x, mean, variance, offset, scale } = args.inputs as Record<
    string,
    TensorInfo | undefined
  >;
  const { varianceEpsilon } = args.attrs as unknown as { varianceEpsilon: number };
  const xi = x as TensorInfo;
  const c = xi.shape[xi.shape.length - 1];
  const perChannel = (t: TensorInfo | undefined) =>
    t === undefined || (t.dtype === "float32" && t.shape.reduce((p, d) => p * d, 1) === c);
  if (
    xi.dtype !== "float32" ||
    xi.shape.length < 2 ||
    ![mean, variance].every((t) => t !== undefined && perChannel(t)) ||
    !perChannel(offset) ||
    !perChannel(scale)
  ) {
    return (stock[FusedBatchNorm] as KernelConfig).kernelFunc(args);
  }
  const rows = xi.shape.slice(0, -1).reduce((p, d) => p * d, 1);
  const out = b.makeOutput(xi.shape, "float32");
  const work = b.makeOutput([2 * c], "float32");
  kernelsFor(b).batchNorm(
    ptr(b, xi),
    ptr(b, mean as TensorInfo),
    ptr(b, variance as TensorInfo),
    offset ? ptr(b, offset) : 0,
    scale ? ptr(b, scale) : 0,
    ptr(b, out),
    ptr(b, work),
    rows,
    c,
    varianceEpsilon,
  );
  b.disposeData(work.dataId);
  return out;
};

/**
 * Identity shares the input's data (a reference count, as wasm's own Reshape does and the CPU
 * backend's Identity) instead of copying it: tfjs clones every tensor it saves for the backward
 * pass, ~175 full-size copies per res8 step. Tensor data is never written in place.
 */
const identity: KernelFunc = (args) => {
  const { x } = args.inputs as { x: TensorInfo };
  if (x.dtype === "string") return (stock[Identity] as KernelConfig).kernelFunc(args);
  (args.backend as unknown as { incRef(dataId: object): void }).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
};

/** Name of earshot's Σ dy·(x − mean) per channel (batch norm's gradient). */
export const CHANNEL_DOT_CENTERED = "EarshotChannelDotCentered";

/** out[c] = Σ over all axes but the last of dy * (x - mean), mean per channel. */
const channelDotCentered: KernelFunc = ({ inputs, backend }) => {
  const b = backend as unknown as WasmBackend;
  const { dy, x, mean } = inputs as { dy: TensorInfo; x: TensorInfo; mean: TensorInfo };
  const c = x.shape[x.shape.length - 1];
  const rows = x.shape.slice(0, -1).reduce((p, d) => p * d, 1);
  const out = b.makeOutput([c], "float32");
  const work = b.makeOutput([2 * c], "float32");
  kernelsFor(b).channelDotCentered(
    ptr(b, dy),
    ptr(b, x),
    ptr(b, mean),
    ptr(b, out),
    rows,
    c,
    ptr(b, work),
  );
  b.disposeData(work.dataId);
  return out;
};

/** Cast to the tensor's own dtype (tf.moments casts its input to float32) shares the data too. */
const cast: KernelFunc = (args) => {
  const { x } = args.inputs as { x: TensorInfo };
  if (x.dtype !== (args.attrs as unknown as { dtype: string }).dtype || x.dtype === "string") {
    return (stock[Cast] as KernelConfig).kernelFunc(args);
  }
  (args.backend as unknown as { incRef(dataId: object): void }).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
};

/** Name of earshot's per-channel broadcast kernel (the gradient of a per-channel Mean). */
export const CHANNEL_BROADCAST = "EarshotChannelBroadcast";

/** out (attr shape, last axis = dy's length) = dy / divisor in every row. */
const channelBroadcast: KernelFunc = ({ inputs, backend, attrs }) => {
  const b = backend as unknown as WasmBackend;
  const { dy } = inputs as { dy: TensorInfo };
  const { shape, divisor } = attrs as unknown as { shape: number[]; divisor: number };
  const c = shape[shape.length - 1];
  const rows = shape.slice(0, -1).reduce((p, d) => p * d, 1);
  const out = b.makeOutput(shape, "float32");
  kernelsFor(b).channelBroadcast(ptr(b, dy), ptr(b, out), rows, c, divisor);
  return out;
};

/** Whether `axis` names every axis of a rank-`rank` tensor except the last (channels). */
export function allButLast(axis: number | number[], rank: number): boolean {
  const axes = (Array.isArray(axis) ? axis : [axis]).map((a) => (a < 0 ? a + rank : a));
  if (rank < 2 || axes.length !== rank - 1) return false;
  return [...axes].sort((a, b) => a - b).every((a, i) => a === i);
}

/** Sum or Mean: per-channel reduction in one wasm pass, anything else to the stock kernel. */
function channelReduction(name: "Sum" | "Mean", mean: boolean): KernelFunc {
  return (args) => {
    const b = args.backend as unknown as WasmBackend;
    const { x } = args.inputs as { x: TensorInfo };
    const { axis, keepDims } = args.attrs as unknown as {
      axis: number | number[];
      keepDims: boolean;
    };
    const rank = x.shape.length;
    if (x.dtype !== "float32" || !allButLast(axis, rank)) {
      return (stock[name] as KernelConfig).kernelFunc(args);
    }
    const c = x.shape[rank - 1];
    const rows = x.shape.slice(0, -1).reduce((p, d) => p * d, 1);
    const shape = keepDims ? [...new Array<number>(rank - 1).fill(1), c] : [c];
    const out = b.makeOutput(shape, "float32");
    const work = b.makeOutput([2 * c], "float32");
    kernelsFor(b).channelSum(
      ptr(b, x),
      ptr(b, out),
      rows,
      c,
      mean ? 1 / Math.max(1, rows) : 1,
      ptr(b, work),
    );
    b.disposeData(work.dataId);
    return out;
  };
}

/**
 * Per-channel sums (f64) of a float32 tensor on the wasm backend, over every axis but the last:
 * what data-parallel replicas exchange for batch statistics (parallel/batch-sync.ts).
 */
export function channelSums64(backend: unknown, x: TensorInfo): Float64Array {
  const b = backend as WasmBackend;
  const c = x.shape[x.shape.length - 1];
  const rows = x.shape.slice(0, -1).reduce((p, d) => p * d, 1);
  const scratch = b.makeOutput([2 * c], "float32");
  kernelsFor(b).channelSum64(ptr(b, x), ptr(b, scratch), rows, c);
  const heap = b.typedArrayFromHeap(scratch);
  const sums = new Float64Array(heap.buffer.slice(heap.byteOffset, heap.byteOffset + 8 * c));
  b.disposeData(scratch.dataId);
  return sums;
}

/** Stock kernels that earshot's wrap and fall back to (captured at registration). */
const stock: Partial<Record<string, KernelConfig>> = {};

function assertChannelsLast(ci: Conv2DInfo, kernel: string): void {
  if (ci.dataFormat !== "channelsLast") {
    throw new Error(`earshot's wasm ${kernel} supports NHWC (channelsLast) only`);
  }
}

/** The kernels earshot registers, by name; kernels.test.ts runs its table against each. */
export const EARSHOT_WASM_KERNELS: Record<string, KernelFunc> = {
  [Conv2D]: oneChannelConv(Conv2D),
  [FusedConv2D]: oneChannelConv(FusedConv2D),
  [Conv2DBackpropFilter]: conv2DBackpropFilter,
  [Conv2DBackpropInput]: conv2DBackpropInput,
  [DepthwiseConv2dNativeBackpropFilter]: depthwiseBackpropFilter,
  [DepthwiseConv2dNativeBackpropInput]: depthwiseBackpropInput,
  [AvgPoolGrad]: avgPoolGrad,
  [MaxPoolGrad]: maxPoolGrad,
  [RELU_GRAD]: reluGrad,
  [CHANNEL_BROADCAST]: channelBroadcast,
  [CHANNEL_DOT_CENTERED]: channelDotCentered,
  [FusedBatchNorm]: fusedBatchNorm,
  [Identity]: identity,
  [Cast]: cast,
  Sum: channelReduction("Sum", false),
  Mean: channelReduction("Mean", true),
};

let registered = false;

/**
 * Registers earshot's kernels for the wasm backend, replacing stock ones of the same name.
 * Call before the backend initializes; idempotent.
 */
export function registerWasmGradientKernels(): void {
  if (registered) return;
  registered = true;
  for (const [kernelName, kernelFunc] of Object.entries(EARSHOT_WASM_KERNELS)) {
    const old = getKernel(kernelName, BACKEND);
    if (old) {
      stock[kernelName] = old;
      unregisterKernel(kernelName, BACKEND);
    }
    // Keep the stock setup (it binds the stock C function our fallbacks call).
    const cfg: KernelConfig = {
      kernelName,
      backendName: BACKEND,
      kernelFunc,
      setupFunc: old?.setupFunc,
    };
    registerKernel(cfg);
  }
}
