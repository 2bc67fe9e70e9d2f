/** Convolution kernels for training on wasm: forward of one-channel inputs, filter and input gradients, depthwise gradients. */
import {
  backend_util,
  type Conv2D,
  type Conv2DAttrs,
  type Conv2DBackpropFilterAttrs,
  type Conv2DBackpropInputAttrs,
  type DepthwiseConv2dNativeBackpropFilterAttrs,
  type DepthwiseConv2dNativeBackpropInputAttrs,
  type FusedConv2D,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from "@tensorflow/tfjs";
import { heapOf, nativeTrainKernels } from "./native";
import { call, kernelsFor, ptr, reshaped, stock, type WasmBackend } from "./wasm-backend";

export type Conv2DInfo = backend_util.Conv2DInfo;

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
 * dW: with the native addon, its filter-gradient kernel (any channel count). Otherwise, with 4
 * or more output channels, one wasm pass over x and dy (convFilterGrad: 4 filter rows
 * x 8 channels in registers, no patch matrix); with fewer, im2colT(x) · dy, dy viewed as
 * [positions, outC], which lands in [fh, fw, inC, outC].
 */
export const conv2DBackpropFilter: KernelFunc = ({ inputs, backend, attrs }) => {
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
  if (nativeFor(ci) || ci.outChannels >= 4) {
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

/** The native kernels take dilation 1 and padding inside the filter (SAME, VALID and the like). */
function nativeFor(ci: Conv2DInfo): boolean {
  return (
    nativeTrainKernels() !== null &&
    ci.dilationHeight === 1 &&
    ci.dilationWidth === 1 &&
    ci.padInfo.top >= 0 &&
    ci.padInfo.left >= 0 &&
    ci.padInfo.top < ci.filterHeight &&
    ci.padInfo.left < ci.filterWidth
  );
}

/**
 * Runs a conv kernel taking (a, b, out, ...convArgs, outChannels): the native addon's when it is
 * in use (convForward1 is then its general forward), else the wasm one.
 */
function runConvKernel(
  b: WasmBackend,
  kernel: "convFilterGrad" | "convInputGrad" | "convForward1",
  inA: TensorInfo,
  inB: TensorInfo,
  out: TensorInfo,
  ci: Conv2DInfo,
): TensorInfo {
  const args = [ptr(b, inA), ptr(b, inB), ptr(b, out), ...convArgs(ci), ci.outChannels];
  const native = nativeFor(ci) ? nativeTrainKernels() : null;
  if (native !== null) {
    const fn = kernel === "convForward1" ? "convForward" : kernel;
    native[fn](heapOf(b), ...args);
  } else kernelsFor(b)[kernel](...args);
  return out;
}

/**
 * Conv2D / FusedConv2D (no bias, linear activation): with the native addon, its forward kernel
 * for any channel counts; otherwise, of a one-channel input with 4 or more output channels,
 * earshot's wasm convForward1 (the first layer of res8, DS-CNN, TinyConv, where XNNPACK is
 * slow); anything else to the stock kernel.
 */
export function oneChannelConv(name: typeof Conv2D | typeof FusedConv2D): KernelFunc {
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
    const native = nativeTrainKernels() !== null; // geometry checked below (nativeFor)
    if (
      !plain ||
      xi.dtype !== "float32" ||
      xi.shape.length !== 4 ||
      (!native && (xi.shape[3] !== 1 || fi.shape[3] < 4)) ||
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
    if (!nativeFor(ci) && (xi.shape[3] !== 1 || fi.shape[3] < 4))
      return (stock[name] as KernelConfig).kernelFunc(args);
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
export const conv2DBackpropInput: KernelFunc = ({ inputs, backend, attrs }) => {
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
  if (nativeFor(ci))
    return runConvKernel(b, "convInputGrad", dy, filter, b.makeOutput(a.inputShape, "float32"), ci);
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

export const depthwiseBackpropFilter: KernelFunc = ({ inputs, backend, attrs }) => {
  const b = backend as unknown as WasmBackend;
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const a = attrs as unknown as DepthwiseConv2dNativeBackpropFilterAttrs;
  const ci = depthwiseInfo(x.shape, a.filterShape, a);
  const dw = b.makeOutput(a.filterShape, "float32");
  kernelsFor(b).depthwiseFilterGrad(ptr(b, x), ptr(b, dy), ptr(b, dw), ...depthwiseArgs(ci));
  return dw;
};

export const depthwiseBackpropInput: KernelFunc = ({ inputs, backend, attrs }) => {
  const b = backend as unknown as WasmBackend;
  const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
  const a = attrs as unknown as DepthwiseConv2dNativeBackpropInputAttrs;
  const ci = depthwiseInfo(a.inputShape, filter.shape, a);
  const dx = b.makeOutput(a.inputShape, "float32");
  kernelsFor(b).depthwiseInputGrad(ptr(b, dy), ptr(b, filter), ptr(b, dx), ...depthwiseArgs(ci));
  return dx;
};

export function assertChannelsLast(ci: Conv2DInfo, kernel: string): void {
  if (ci.dataFormat !== "channelsLast") {
    throw new Error(`earshot's wasm ${kernel} supports NHWC (channelsLast) only`);
  }
}
