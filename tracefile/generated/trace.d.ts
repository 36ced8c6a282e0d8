// generated — do not edit; regenerate with npm run proto (tracefile/proto/regenerate.sh from tracefile/proto/trace.proto)
import * as $protobuf from "protobufjs";
import Long = require("long");

export namespace ntrace {

    namespace trace {

        namespace v1 {

            interface IHeader extends ntrace.trace.v1.Header.$Properties {
            }

            class Header {
                constructor(properties?: ntrace.trace.v1.Header.$Properties);
                $unknowns?: Uint8Array[];
                formatMajor: number;
                formatMinor: number;
                clock?: (ntrace.trace.v1.Clock.$Properties|null);
                cpus: number;
                toolVersion: string;
                commandLine: string[];
                argCount: number;
                mode: string;
                engine: string;
                static create(properties: ntrace.trace.v1.Header.$Shape): ntrace.trace.v1.Header & ntrace.trace.v1.Header.$Shape;
                static create(properties?: ntrace.trace.v1.Header.$Properties): ntrace.trace.v1.Header;
                static encode(message: ntrace.trace.v1.Header.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
                static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): ntrace.trace.v1.Header & ntrace.trace.v1.Header.$Shape;
            }

            namespace Header {
                interface $Properties {
                    formatMajor?: (number|null);
                    formatMinor?: (number|null);
                    clock?: (ntrace.trace.v1.Clock.$Properties|null);
                    cpus?: (number|null);
                    toolVersion?: (string|null);
                    commandLine?: (string[]|null);
                    argCount?: (number|null);
                    mode?: (string|null);
                    engine?: (string|null);
                    $unknowns?: Uint8Array[];
                }
                type $Shape = ntrace.trace.v1.Header.$Properties;
            }

            interface IClock extends ntrace.trace.v1.Clock.$Properties {
            }

            class Clock {
                constructor(properties?: ntrace.trace.v1.Clock.$Properties);
                $unknowns?: Uint8Array[];
                kind: string;
                unit: string;
                description: string;
                static create(properties: ntrace.trace.v1.Clock.$Shape): ntrace.trace.v1.Clock & ntrace.trace.v1.Clock.$Shape;
                static create(properties?: ntrace.trace.v1.Clock.$Properties): ntrace.trace.v1.Clock;
                static encode(message: ntrace.trace.v1.Clock.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
                static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): ntrace.trace.v1.Clock & ntrace.trace.v1.Clock.$Shape;
            }

            namespace Clock {
                interface $Properties {
                    kind?: (string|null);
                    unit?: (string|null);
                    description?: (string|null);
                    $unknowns?: Uint8Array[];
                }
                type $Shape = ntrace.trace.v1.Clock.$Properties;
            }

            interface IExportName extends ntrace.trace.v1.ExportName.$Properties {
            }

            class ExportName {
                constructor(properties?: ntrace.trace.v1.ExportName.$Properties);
                $unknowns?: Uint8Array[];
                rva: number;
                name: string;
                static create(properties: ntrace.trace.v1.ExportName.$Shape): ntrace.trace.v1.ExportName & ntrace.trace.v1.ExportName.$Shape;
                static create(properties?: ntrace.trace.v1.ExportName.$Properties): ntrace.trace.v1.ExportName;
                static encode(message: ntrace.trace.v1.ExportName.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
                static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): ntrace.trace.v1.ExportName & ntrace.trace.v1.ExportName.$Shape;
            }

            namespace ExportName {
                interface $Properties {
                    rva?: (number|null);
                    name?: (string|null);
                    $unknowns?: Uint8Array[];
                }
                type $Shape = ntrace.trace.v1.ExportName.$Properties;
            }

            interface IModule extends ntrace.trace.v1.Module.$Properties {
            }

            class Module {
                constructor(properties?: ntrace.trace.v1.Module.$Properties);
                $unknowns?: Uint8Array[];
                index: number;
                name: string;
                path: string;
                base: number;
                size: number;
                timeDateStamp: number;
                checksum: number;
                exportNames: ntrace.trace.v1.ExportName.$Properties[];
                debugBlock: Uint8Array;
                functionRvas: number[];
                firstFunctionId: number;
                static create(properties: ntrace.trace.v1.Module.$Shape): ntrace.trace.v1.Module & ntrace.trace.v1.Module.$Shape;
                static create(properties?: ntrace.trace.v1.Module.$Properties): ntrace.trace.v1.Module;
                static encode(message: ntrace.trace.v1.Module.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
                static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): ntrace.trace.v1.Module & ntrace.trace.v1.Module.$Shape;
            }

            namespace Module {
                interface $Properties {
                    index?: (number|null);
                    name?: (string|null);
                    path?: (string|null);
                    base?: (number|null);
                    size?: (number|null);
                    timeDateStamp?: (number|null);
                    checksum?: (number|null);
                    exportNames?: (ntrace.trace.v1.ExportName.$Properties[]|null);
                    debugBlock?: (Uint8Array|null);
                    functionRvas?: (number[]|null);
                    firstFunctionId?: (number|null);
                    $unknowns?: Uint8Array[];
                }
                type $Shape = ntrace.trace.v1.Module.$Properties;
            }

            interface IThread extends ntrace.trace.v1.Thread.$Properties {
            }

            class Thread {
                constructor(properties?: ntrace.trace.v1.Thread.$Properties);
                $unknowns?: Uint8Array[];
                key: number;
                process: number;
                thread: number;
                cpu?: (number|null);
                startAddress: number;
                name?: (string|null);
                idle: boolean;
                static create(properties: ntrace.trace.v1.Thread.$Shape): ntrace.trace.v1.Thread & ntrace.trace.v1.Thread.$Shape;
                static create(properties?: ntrace.trace.v1.Thread.$Properties): ntrace.trace.v1.Thread;
                static encode(message: ntrace.trace.v1.Thread.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
                static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): ntrace.trace.v1.Thread & ntrace.trace.v1.Thread.$Shape;
            }

            namespace Thread {
                interface $Properties {
                    key?: (number|null);
                    process?: (number|null);
                    thread?: (number|null);
                    cpu?: (number|null);
                    startAddress?: (number|null);
                    name?: (string|null);
                    idle?: (boolean|null);
                    $unknowns?: Uint8Array[];
                }
                type $Shape = ntrace.trace.v1.Thread.$Properties;
            }

            enum ColumnEncoding {
                COLUMNS_PLAIN = 0,
                COLUMNS_DEFLATE_RAW = 1
            }

            interface IEventChunk extends ntrace.trace.v1.EventChunk.$Properties {
            }

            class EventChunk {
                constructor(properties?: ntrace.trace.v1.EventChunk.$Properties);
                $unknowns?: Uint8Array[];
                thread: number;
                seq: number;
                count: number;
                firstTs: (number|Long);
                lastTs: (number|Long);
                encoding: ntrace.trace.v1.ColumnEncoding;
                rawSize: number;
                columns: Uint8Array;
                static create(properties: ntrace.trace.v1.EventChunk.$Shape): ntrace.trace.v1.EventChunk & ntrace.trace.v1.EventChunk.$Shape;
                static create(properties?: ntrace.trace.v1.EventChunk.$Properties): ntrace.trace.v1.EventChunk;
                static encode(message: ntrace.trace.v1.EventChunk.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
                static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): ntrace.trace.v1.EventChunk & ntrace.trace.v1.EventChunk.$Shape;
            }

            namespace EventChunk {
                interface $Properties {
                    thread?: (number|null);
                    seq?: (number|null);
                    count?: (number|null);
                    firstTs?: (number|Long|null);
                    lastTs?: (number|Long|null);
                    encoding?: (ntrace.trace.v1.ColumnEncoding|null);
                    rawSize?: (number|null);
                    columns?: (Uint8Array|null);
                    $unknowns?: Uint8Array[];
                }
                type $Shape = ntrace.trace.v1.EventChunk.$Properties;
            }

            interface IEventColumns extends ntrace.trace.v1.EventColumns.$Properties {
            }

            class EventColumns {
                constructor(properties?: ntrace.trace.v1.EventColumns.$Properties);
                $unknowns?: Uint8Array[];
                kind: number[];
                tsDelta: (number|Long)[];
                fn: number[];
                espDelta: number[];
                value: number[];
                args: number[];
                static create(properties: ntrace.trace.v1.EventColumns.$Shape): ntrace.trace.v1.EventColumns & ntrace.trace.v1.EventColumns.$Shape;
                static create(properties?: ntrace.trace.v1.EventColumns.$Properties): ntrace.trace.v1.EventColumns;
                static encode(message: ntrace.trace.v1.EventColumns.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
                static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): ntrace.trace.v1.EventColumns & ntrace.trace.v1.EventColumns.$Shape;
            }

            namespace EventColumns {
                interface $Properties {
                    kind?: (number[]|null);
                    tsDelta?: ((number|Long)[]|null);
                    fn?: (number[]|null);
                    espDelta?: (number[]|null);
                    value?: (number[]|null);
                    args?: (number[]|null);
                    $unknowns?: Uint8Array[];
                }
                type $Shape = ntrace.trace.v1.EventColumns.$Properties;
            }

            interface IChunkIndex extends ntrace.trace.v1.ChunkIndex.$Properties {
            }

            class ChunkIndex {
                constructor(properties?: ntrace.trace.v1.ChunkIndex.$Properties);
                $unknowns?: Uint8Array[];
                offset: (number|Long);
                thread: number;
                seq: number;
                count: number;
                firstTs: (number|Long);
                lastTs: (number|Long);
                static create(properties: ntrace.trace.v1.ChunkIndex.$Shape): ntrace.trace.v1.ChunkIndex & ntrace.trace.v1.ChunkIndex.$Shape;
                static create(properties?: ntrace.trace.v1.ChunkIndex.$Properties): ntrace.trace.v1.ChunkIndex;
                static encode(message: ntrace.trace.v1.ChunkIndex.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
                static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): ntrace.trace.v1.ChunkIndex & ntrace.trace.v1.ChunkIndex.$Shape;
            }

            namespace ChunkIndex {
                interface $Properties {
                    offset?: (number|Long|null);
                    thread?: (number|null);
                    seq?: (number|null);
                    count?: (number|null);
                    firstTs?: (number|Long|null);
                    lastTs?: (number|Long|null);
                    $unknowns?: Uint8Array[];
                }
                type $Shape = ntrace.trace.v1.ChunkIndex.$Properties;
            }

            interface IRunSummary extends ntrace.trace.v1.RunSummary.$Properties {
            }

            class RunSummary {
                constructor(properties?: ntrace.trace.v1.RunSummary.$Properties);
                $unknowns?: Uint8Array[];
                exitCode?: (number|null);
                result?: (number|null);
                failure?: (string|null);
                instructions: (number|Long);
                elapsedNs?: (number|Long|null);
                interrupted?: (ntrace.trace.v1.Interruption.$Properties|null);
                static create(properties: ntrace.trace.v1.RunSummary.$Shape): ntrace.trace.v1.RunSummary & ntrace.trace.v1.RunSummary.$Shape;
                static create(properties?: ntrace.trace.v1.RunSummary.$Properties): ntrace.trace.v1.RunSummary;
                static encode(message: ntrace.trace.v1.RunSummary.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
                static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): ntrace.trace.v1.RunSummary & ntrace.trace.v1.RunSummary.$Shape;
            }

            namespace RunSummary {
                interface $Properties {
                    exitCode?: (number|null);
                    result?: (number|null);
                    failure?: (string|null);
                    instructions?: (number|Long|null);
                    elapsedNs?: (number|Long|null);
                    interrupted?: (ntrace.trace.v1.Interruption.$Properties|null);
                    $unknowns?: Uint8Array[];
                }
                type $Shape = ntrace.trace.v1.RunSummary.$Properties;
            }

            interface IInterruption extends ntrace.trace.v1.Interruption.$Properties {
            }

            class Interruption {
                constructor(properties?: ntrace.trace.v1.Interruption.$Properties);
                $unknowns?: Uint8Array[];
                cause: string;
                reason: string;
                static create(properties: ntrace.trace.v1.Interruption.$Shape): ntrace.trace.v1.Interruption & ntrace.trace.v1.Interruption.$Shape;
                static create(properties?: ntrace.trace.v1.Interruption.$Properties): ntrace.trace.v1.Interruption;
                static encode(message: ntrace.trace.v1.Interruption.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
                static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): ntrace.trace.v1.Interruption & ntrace.trace.v1.Interruption.$Shape;
            }

            namespace Interruption {
                interface $Properties {
                    cause?: (string|null);
                    reason?: (string|null);
                    $unknowns?: Uint8Array[];
                }
                type $Shape = ntrace.trace.v1.Interruption.$Properties;
            }

            interface IFooter extends ntrace.trace.v1.Footer.$Properties {
            }

            class Footer {
                constructor(properties?: ntrace.trace.v1.Footer.$Properties);
                $unknowns?: Uint8Array[];
                moduleOffsets: (number|Long)[];
                threadOffsets: (number|Long)[];
                chunks: ntrace.trace.v1.ChunkIndex.$Properties[];
                totalEvents: (number|Long);
                run?: (ntrace.trace.v1.RunSummary.$Properties|null);
                static create(properties: ntrace.trace.v1.Footer.$Shape): ntrace.trace.v1.Footer & ntrace.trace.v1.Footer.$Shape;
                static create(properties?: ntrace.trace.v1.Footer.$Properties): ntrace.trace.v1.Footer;
                static encode(message: ntrace.trace.v1.Footer.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
                static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): ntrace.trace.v1.Footer & ntrace.trace.v1.Footer.$Shape;
            }

            namespace Footer {
                interface $Properties {
                    moduleOffsets?: ((number|Long)[]|null);
                    threadOffsets?: ((number|Long)[]|null);
                    chunks?: (ntrace.trace.v1.ChunkIndex.$Properties[]|null);
                    totalEvents?: (number|Long|null);
                    run?: (ntrace.trace.v1.RunSummary.$Properties|null);
                    $unknowns?: Uint8Array[];
                }
                type $Shape = ntrace.trace.v1.Footer.$Properties;
            }
        }
    }
}
