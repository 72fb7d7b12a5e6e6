/**
 * Ready-made networks with Keras's layer names and weight order (`applications.*`, as
 * `keras.applications`): the same weights load in both.
 */
import { mobileNetV2 } from "./mobilenet_v2.js";
import { resnet20 } from "./resnet20.js";

export type { MobileNetV2Args } from "./mobilenet_v2.js";
export type { ResNet20Args } from "./resnet20.js";

/** The application factories. */
export const applications = {
  /** He et al. 2016's CIFAR ResNet-20 (274,442 parameters for 10 classes), as Keras users build it. */
  resnet20,
  /** MobileNetV2 as `keras.applications.MobileNetV2(weights=None, ...)` builds it (alpha, inputShape, includeTop, pooling, classes). */
  mobileNetV2,
};
