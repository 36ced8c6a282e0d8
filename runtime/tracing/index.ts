export { Tracer, traceClock, defaultTracePath, RETURN_SLOT_TAG, type TracerOptions, type TracerStats, type ClockChoice, type Recorder } from "./tracer.js";

