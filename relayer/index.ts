export { BlockBuildError, buildSequencerBlock } from "./sequencer-block.js";
