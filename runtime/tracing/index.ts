export { Tracer, traceClock, defaultTracePath, type TracerOptions, type TracerStats, type ClockChoice, type Recorder } from "./tracer.js";
export { runTraced, type TracedRunOptions, type TracedRunResult } from "./session.js";
export { addTracingOptions, tracingOptionsFrom, type RawTracingOptions } from "./options.js";
