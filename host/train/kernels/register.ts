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
 * With the native addon built (deploy/native.sh), the three conv kernels above run its AVX-512
 * kernels instead (native.ts; conv.ts chooses per call).
 *
 * The wasm kernels (kernels/wasm/kernels.as, AssemblyScript) import the backend's own memory and
 * work on tensors in place, so nothing is copied between heaps. The ops that batch norm (see
 * gradients.ts), softmax cross-entropy and STE quantizers differentiate through are stock kernels.
 */
import {
  AvgPoolGrad,
  Cast,
  Conv2D,
  Conv2DBackpropFilter,
  Conv2DBackpropInput,
  DepthwiseConv2dNativeBackpropFilter,
  DepthwiseConv2dNativeBackpropInput,
  FusedBatchNorm,
  FusedConv2D,
  getKernel,
  Identity,
  type KernelConfig,
  type KernelFunc,
  MaxPoolGrad,
  registerKernel,
  unregisterKernel,
} from "@tensorflow/tfjs";
import {
  avgPoolGrad,
  CHANNEL_BROADCAST,
  CHANNEL_DOT_CENTERED,
  cast,
  channelBroadcast,
  channelDotCentered,
  channelReduction,
  fusedBatchNorm,
  identity,
  maxPoolGrad,
  RELU_GRAD,
  reluGrad,
} from "./channel";
import {
  conv2DBackpropFilter,
  conv2DBackpropInput,
  depthwiseBackpropFilter,
  depthwiseBackpropInput,
  oneChannelConv,
} from "./conv";
import { BACKEND, stock } from "./wasm-backend";

export {
  allButLast,
  CHANNEL_BROADCAST,
  CHANNEL_DOT_CENTERED,
  channelSums64,
  RELU_GRAD,
} from "./channel";

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
