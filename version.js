/** The tool version written into trace headers and printed by `ntrace --version`. */
export const TOOL_VERSION = "0.1.0";
