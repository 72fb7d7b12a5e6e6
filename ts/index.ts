/**
 * simdnet: Keras-style convolutional networks on SIMD WebAssembly.
 *
 * ```ts
 * import { init, lenet5 } from "simdnet";
 * await init();
 * const model = lenet5();
 * model.compile({ optimizer: "adam", loss: "sparseCategoricalCrossentropy", metrics: ["accuracy"] });
 * ```
 *
 * This file only re-exports; each name is documented where it is defined.
 */

// Loading the kernels.
export { init, simdSupported, type InitOptions, type InitInfo, type WasmFlavor, type WasmSource } from "./wasm/loader.js";

// Values.
export { tensor, type Tensor } from "./tensor.js";
export { Random } from "./random.js";
export { outputLength, axisPadding, type Padding } from "./shapes.js";

// Models and layers.
export { Sequential, type SequentialArgs, type CompileArgs, type BatchArgs, type EvaluateResult } from "./model/sequential.js";
export { Model, type ModelArgs } from "./model/model.js";
export { input, SymbolicTensor, type InputArgs } from "./model/symbolic.js";
export type { FitArgs } from "./training/fit.js";
export { layers } from "./layers/index.js";
export type { Layer, ActivationName, ActivationArgs, Conv2dArgs, DenseArgs, DropoutArgs, FlattenArgs, Pooling2dArgs, AddArgs, ConcatenateArgs } from "./layers/index.js";
export type {
  BatchNormalizationArgs, DepthwiseConv2dArgs, SeparableConv2dArgs, GlobalPooling2dArgs, ZeroPadding2dArgs, ReLUArgs, LeakyReLUArgs, SoftmaxArgs,
  ReshapeArgs, RescalingArgs,
} from "./layers/index.js";
export { lenet5, type LeNet5Args } from "./models/lenet5.js";
export { applications, type MobileNetV2Args, type ResNet20Args } from "./applications/index.js";

// Training pieces.
export { optimizers, getOptimizer, SGD, Adam, RMSprop, type Optimizer, type SGDArgs, type AdamArgs, type RMSpropArgs } from "./optimizers/index.js";
export {
  AdamW, CosineDecay, ExponentialDecay, PiecewiseConstantDecay, type AdamWArgs, type CosineDecayArgs, type ExponentialDecayArgs,
  type LearningRateSchedule, type OptimizerConfig, type PiecewiseConstantDecayArgs, type SerializedSchedule,
} from "./optimizers/index.js";
export {
  losses, type CategoricalCrossentropyArgs, type Loss, type LossArg, type LossName, type SerializedLoss, type SparseCategoricalCrossentropyArgs,
} from "./training/losses.js";
export { regularizers, type L1L2Args, type Regularizer, type SerializedRegularizer } from "./regularizers.js";
export { initializers, getInitializer, type Initializer } from "./initializers.js";
export { callbacks, History, CallbackList, EarlyStopping, ReduceLROnPlateau, ModelCheckpoint } from "./callbacks/index.js";
export type { Callback, CallbackModel, Logs, EarlyStoppingArgs, ReduceLROnPlateauArgs, ModelCheckpointArgs } from "./callbacks/index.js";

// Data.
export { datasets, parseIdx, encodeIdx, parseDigitCsv, decodeMnistDigits, splitMnist, imageToDigit } from "./data/datasets.js";
export type { IdxArray, DigitCsv, LabeledImages, MnistOptions, MnistSplit, ImagePixels, FashionMnist, FashionMnistOptions } from "./data/datasets.js";
export type { ImageFolderSource, ImageFolderOptions, BothSubsetsOptions, ImageTensors, FileWithPath, ImageFilesOptions, ReadImageOptions } from "./data/datasets.js";
export { toCategorical } from "./data/one_hot.js";
export { ImageDataGenerator, type ImageDataGeneratorOptions } from "./data/image_data_generator.js";
export { arraySource, type ArraySourceOptions } from "./data/array_source.js";
export type { BatchSource } from "./data/batch_source.js";

// Saving and loading (TensorFlow.js layers format).
export { loadSequential as loadModel } from "./io/sequential_io.js";
export type { SavedModel, SavedModelInput, SaveOptions } from "./io/handlers.js";
export type { ModelArtifacts } from "./io/artifacts.js";
// Keras's own files (.keras, legacy .h5): loadModel and model.save take them by name or bytes.
export { toKerasFile } from "./io/keras/public.js";
export type { KerasFileOptions, KerasFormat } from "./io/keras/public.js";
export type { KerasFileBytes } from "./io/handlers.js";
