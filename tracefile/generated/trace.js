// generated — do not edit; regenerate with npm run proto (tracefile/proto/regenerate.sh from tracefile/proto/trace.proto)
/*eslint-disable block-scoped-var, id-length, no-control-regex, no-magic-numbers, no-mixed-operators, no-prototype-builtins, no-redeclare, no-shadow, no-var, sort-vars, default-case, jsdoc/require-param*/
import $protobuf from "protobufjs/minimal.js";

// Common aliases
const $Reader = $protobuf.Reader, $Writer = $protobuf.Writer, $util = $protobuf.util;
const $Object = $util.global.Object, $undefined = $util.global.undefined, $Error = $util.global.Error, $RangeError = $util.global.RangeError;

// Exported root namespace
const $root = $protobuf.roots["default"] || ($protobuf.roots["default"] = {});

export const ntrace = $root.ntrace = (() => {

    /**
     * Namespace ntrace.
     * @exports ntrace
     * @namespace
     */
    const ntrace = {};

    ntrace.trace = (function() {

        /**
         * Namespace trace.
         * @memberof ntrace
         * @namespace
         */
        const trace = {};

        trace.v1 = (function() {

            /**
             * Namespace v1.
             * @memberof ntrace.trace
             * @namespace
             */
            const v1 = {};

            v1.Header = (function() {

                /**
                 * Properties of a Header.
                 * @typedef {Object} ntrace.trace.v1.Header.$Properties
                 * @property {number|null} [formatMajor] Header formatMajor
                 * @property {number|null} [formatMinor] Header formatMinor
                 * @property {ntrace.trace.v1.Clock.$Properties|null} [clock] Header clock
                 * @property {number|null} [cpus] Header cpus
                 * @property {string|null} [toolVersion] Header toolVersion
                 * @property {Array.<string>|null} [commandLine] Header commandLine
                 * @property {number|null} [argCount] Header argCount
                 * @property {string|null} [mode] Header mode
                 * @property {string|null} [engine] Header engine
                 * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
                 */

                /**
                 * Properties of a Header.
                 * @memberof ntrace.trace.v1
                 * @interface IHeader
                 * @augments ntrace.trace.v1.Header.$Properties
                 * @deprecated Use ntrace.trace.v1.Header.$Properties instead.
                 */

                /**
                 * Shape of a Header.
                 * @typedef {ntrace.trace.v1.Header.$Properties} ntrace.trace.v1.Header.$Shape
                 */

                /**
                 * Constructs a new Header.
                 * @memberof ntrace.trace.v1
                 * @classdesc Represents a Header.
                 * @constructor
                 * @param {ntrace.trace.v1.Header.$Properties=} [properties] Properties to set
                 * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
                 */
                const Header = function (properties) {
                    this.commandLine = [];
                    if (properties)
                        for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                            if (properties[keys[i]] != null && keys[i] !== "__proto__")
                                this[keys[i]] = properties[keys[i]];
                };

                /**
                 * Header formatMajor.
                 * @member {number} formatMajor
                 * @memberof ntrace.trace.v1.Header
                 * @instance
                 */
                Header.prototype.formatMajor = 0;

                /**
                 * Header formatMinor.
                 * @member {number} formatMinor
                 * @memberof ntrace.trace.v1.Header
                 * @instance
                 */
                Header.prototype.formatMinor = 0;

                /**
                 * Header clock.
                 * @member {ntrace.trace.v1.Clock.$Properties|null|undefined} clock
                 * @memberof ntrace.trace.v1.Header
                 * @instance
                 */
                Header.prototype.clock = null;

                /**
                 * Header cpus.
                 * @member {number} cpus
                 * @memberof ntrace.trace.v1.Header
                 * @instance
                 */
                Header.prototype.cpus = 0;

                /**
                 * Header toolVersion.
                 * @member {string} toolVersion
                 * @memberof ntrace.trace.v1.Header
                 * @instance
                 */
                Header.prototype.toolVersion = "";

                /**
                 * Header commandLine.
                 * @member {Array.<string>} commandLine
                 * @memberof ntrace.trace.v1.Header
                 * @instance
                 */
                Header.prototype.commandLine = $util.emptyArray;

                /**
                 * Header argCount.
                 * @member {number} argCount
                 * @memberof ntrace.trace.v1.Header
                 * @instance
                 */
                Header.prototype.argCount = 0;

                /**
                 * Header mode.
                 * @member {string} mode
                 * @memberof ntrace.trace.v1.Header
                 * @instance
                 */
                Header.prototype.mode = "";

                /**
                 * Header engine.
                 * @member {string} engine
                 * @memberof ntrace.trace.v1.Header
                 * @instance
                 */
                Header.prototype.engine = "";

                /**
                 * Creates a new Header instance using the specified properties.
                 * @function create
                 * @memberof ntrace.trace.v1.Header
                 * @static
                 * @param {ntrace.trace.v1.Header.$Properties=} [properties] Properties to set
                 * @returns {ntrace.trace.v1.Header} Header instance
                 * @type {{
                 *   (properties: ntrace.trace.v1.Header.$Shape): ntrace.trace.v1.Header & ntrace.trace.v1.Header.$Shape;
                 *   (properties?: ntrace.trace.v1.Header.$Properties): ntrace.trace.v1.Header;
                 * }}
                 */
                Header.create = function(properties) {
                    return new Header(properties);
                };

                /**
                 * Encodes the specified Header message. Does not implicitly {@link ntrace.trace.v1.Header.verify|verify} messages.
                 * @function encode
                 * @memberof ntrace.trace.v1.Header
                 * @static
                 * @param {ntrace.trace.v1.Header.$Properties} message Header message or plain object to encode
                 * @param {$protobuf.Writer} [writer] Writer to encode to
                 * @returns {$protobuf.Writer} Writer
                 */
                Header.encode = function (message, writer, _depth) {
                    if (!writer)
                        writer = $Writer.create();
                    if (_depth === $undefined)
                        _depth = 0;
                    if (_depth > $util.recursionLimit)
                        throw $Error("max depth exceeded");
                    if (message.formatMajor != null && $Object.hasOwnProperty.call(message, "formatMajor") && message.formatMajor !== 0)
                        writer.uint32(/* id 1, wireType 0 =*/8).uint32(message.formatMajor);
                    if (message.formatMinor != null && $Object.hasOwnProperty.call(message, "formatMinor") && message.formatMinor !== 0)
                        writer.uint32(/* id 2, wireType 0 =*/16).uint32(message.formatMinor);
                    if (message.clock != null && $Object.hasOwnProperty.call(message, "clock"))
                        $root.ntrace.trace.v1.Clock.encode(message.clock, writer.uint32(/* id 3, wireType 2 =*/26).fork(), _depth + 1).ldelim();
                    if (message.cpus != null && $Object.hasOwnProperty.call(message, "cpus") && message.cpus !== 0)
                        writer.uint32(/* id 4, wireType 0 =*/32).uint32(message.cpus);
                    if (message.toolVersion != null && $Object.hasOwnProperty.call(message, "toolVersion") && message.toolVersion !== "")
                        writer.uint32(/* id 5, wireType 2 =*/42).string(message.toolVersion);
                    if (message.commandLine != null && message.commandLine.length)
                        for (let i = 0; i < message.commandLine.length; ++i)
                            writer.uint32(/* id 6, wireType 2 =*/50).string(message.commandLine[i]);
                    if (message.argCount != null && $Object.hasOwnProperty.call(message, "argCount") && message.argCount !== 0)
                        writer.uint32(/* id 7, wireType 0 =*/56).uint32(message.argCount);
                    if (message.mode != null && $Object.hasOwnProperty.call(message, "mode") && message.mode !== "")
                        writer.uint32(/* id 8, wireType 2 =*/66).string(message.mode);
                    if (message.engine != null && $Object.hasOwnProperty.call(message, "engine") && message.engine !== "")
                        writer.uint32(/* id 9, wireType 2 =*/74).string(message.engine);
                    if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                        for (let i = 0; i < message.$unknowns.length; ++i)
                            writer.raw(message.$unknowns[i]);
                    return writer;
                };

                /**
                 * Decodes a Header message from the specified reader or buffer.
                 * @function decode
                 * @memberof ntrace.trace.v1.Header
                 * @static
                 * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
                 * @param {number} [length] Message length if known beforehand
                 * @returns {ntrace.trace.v1.Header & ntrace.trace.v1.Header.$Shape} Header
                 * @throws {Error} If the payload is not a reader or valid buffer
                 * @throws {$protobuf.util.ProtocolError} If required fields are missing
                 */
                Header.decode = function (reader, length, _end, _depth, _target) {
                    if (!(reader instanceof $Reader))
                        reader = $Reader.create(reader);
                    if (_depth === $undefined)
                        _depth = 0;
                    if (_depth > $Reader.recursionLimit)
                        throw $Error("max depth exceeded");
                    let end, message, value;
                    if (length === $undefined)
                        end = reader.len;
                    else {
                        end = reader.pos + length;
                        if (end > reader.len)
                            throw $RangeError("index out of range");
                        length = reader.len;
                        reader.len = end;
                    }
                    message = _target || new $root.ntrace.trace.v1.Header();
                    while (reader.pos < end) {
                        let start = reader.pos;
                        let tag = reader.tag();
                        if (tag === _end) {
                            _end = $undefined;
                            break;
                        }
                        let wireType = tag & 7;
                        switch (tag >>>= 3) {
                        case 1: {
                                if (wireType !== 0)
                                    break;
                                if (value = reader.uint32())
                                    message.formatMajor = value;
                                else
                                    delete message.formatMajor;
                                continue;
                            }
                        case 2: {
                                if (wireType !== 0)
                                    break;
                                if (value = reader.uint32())
                                    message.formatMinor = value;
                                else
                                    delete message.formatMinor;
                                continue;
                            }
                        case 3: {
                                if (wireType !== 2)
                                    break;
                                message.clock = $root.ntrace.trace.v1.Clock.decode(reader, reader.size(), $undefined, _depth + 1, message.clock);
                                continue;
                            }
                        case 4: {
                                if (wireType !== 0)
                                    break;
                                if (value = reader.uint32())
                                    message.cpus = value;
                                else
                                    delete message.cpus;
                                continue;
                            }
                        case 5: {
                                if (wireType !== 2)
                                    break;
                                if ((value = reader.stringVerify()).length)
                                    message.toolVersion = value;
                                else
                                    delete message.toolVersion;
                                continue;
                            }
                        case 6: {
                                if (wireType !== 2)
                                    break;
                                if (!(message.commandLine && message.commandLine.length))
                                    message.commandLine = [];
                                message.commandLine.push(reader.stringVerify());
                                continue;
                            }
                        case 7: {
                                if (wireType !== 0)
                                    break;
                                if (value = reader.uint32())
                                    message.argCount = value;
                                else
                                    delete message.argCount;
                                continue;
                            }
                        case 8: {
                                if (wireType !== 2)
                                    break;
                                if ((value = reader.stringVerify()).length)
                                    message.mode = value;
                                else
                                    delete message.mode;
                                continue;
                            }
                        case 9: {
                                if (wireType !== 2)
                                    break;
                                if ((value = reader.stringVerify()).length)
                                    message.engine = value;
                                else
                                    delete message.engine;
                                continue;
                            }
                        }
                        reader.skipType(wireType, _depth, tag);
                        if (!reader.discardUnknown) {
                            $util.makeProp(message, "$unknowns", false);
                            (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                        }
                    }
                    if (length !== $undefined) {
                        if (reader.pos !== end)
                            throw $RangeError("index out of range");
                        reader.len = length;
                    }
                    if (_end !== $undefined)
                        throw $Error("missing end group");
                    return message;
                };

                return Header;
            })();

            v1.Clock = (function() {

                /**
                 * Properties of a Clock.
                 * @typedef {Object} ntrace.trace.v1.Clock.$Properties
                 * @property {string|null} [kind] Clock kind
                 * @property {string|null} [unit] Clock unit
                 * @property {string|null} [description] Clock description
                 * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
                 */

                /**
                 * Properties of a Clock.
                 * @memberof ntrace.trace.v1
                 * @interface IClock
                 * @augments ntrace.trace.v1.Clock.$Properties
                 * @deprecated Use ntrace.trace.v1.Clock.$Properties instead.
                 */

                /**
                 * Shape of a Clock.
                 * @typedef {ntrace.trace.v1.Clock.$Properties} ntrace.trace.v1.Clock.$Shape
                 */

                /**
                 * Constructs a new Clock.
                 * @memberof ntrace.trace.v1
                 * @classdesc Represents a Clock.
                 * @constructor
                 * @param {ntrace.trace.v1.Clock.$Properties=} [properties] Properties to set
                 * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
                 */
                const Clock = function (properties) {
                    if (properties)
                        for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                            if (properties[keys[i]] != null && keys[i] !== "__proto__")
                                this[keys[i]] = properties[keys[i]];
                };

                /**
                 * Clock kind.
                 * @member {string} kind
                 * @memberof ntrace.trace.v1.Clock
                 * @instance
                 */
                Clock.prototype.kind = "";

                /**
                 * Clock unit.
                 * @member {string} unit
                 * @memberof ntrace.trace.v1.Clock
                 * @instance
                 */
                Clock.prototype.unit = "";

                /**
                 * Clock description.
                 * @member {string} description
                 * @memberof ntrace.trace.v1.Clock
                 * @instance
                 */
                Clock.prototype.description = "";

                /**
                 * Creates a new Clock instance using the specified properties.
                 * @function create
                 * @memberof ntrace.trace.v1.Clock
                 * @static
                 * @param {ntrace.trace.v1.Clock.$Properties=} [properties] Properties to set
                 * @returns {ntrace.trace.v1.Clock} Clock instance
                 * @type {{
                 *   (properties: ntrace.trace.v1.Clock.$Shape): ntrace.trace.v1.Clock & ntrace.trace.v1.Clock.$Shape;
                 *   (properties?: ntrace.trace.v1.Clock.$Properties): ntrace.trace.v1.Clock;
                 * }}
                 */
                Clock.create = function(properties) {
                    return new Clock(properties);
                };

                /**
                 * Encodes the specified Clock message. Does not implicitly {@link ntrace.trace.v1.Clock.verify|verify} messages.
                 * @function encode
                 * @memberof ntrace.trace.v1.Clock
                 * @static
                 * @param {ntrace.trace.v1.Clock.$Properties} message Clock message or plain object to encode
                 * @param {$protobuf.Writer} [writer] Writer to encode to
                 * @returns {$protobuf.Writer} Writer
                 */
                Clock.encode = function (message, writer, _depth) {
                    if (!writer)
                        writer = $Writer.create();
                    if (_depth === $undefined)
                        _depth = 0;
                    if (_depth > $util.recursionLimit)
                        throw $Error("max depth exceeded");
                    if (message.kind != null && $Object.hasOwnProperty.call(message, "kind") && message.kind !== "")
                        writer.uint32(/* id 1, wireType 2 =*/10).string(message.kind);
                    if (message.unit != null && $Object.hasOwnProperty.call(message, "unit") && message.unit !== "")
                        writer.uint32(/* id 2, wireType 2 =*/18).string(message.unit);
                    if (message.description != null && $Object.hasOwnProperty.call(message, "description") && message.description !== "")
                        writer.uint32(/* id 3, wireType 2 =*/26).string(message.description);
                    if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                        for (let i = 0; i < message.$unknowns.length; ++i)
                            writer.raw(message.$unknowns[i]);
                    return writer;
                };

                /**
                 * Decodes a Clock message from the specified reader or buffer.
                 * @function decode
                 * @memberof ntrace.trace.v1.Clock
                 * @static
                 * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
                 * @param {number} [length] Message length if known beforehand
                 * @returns {ntrace.trace.v1.Clock & ntrace.trace.v1.Clock.$Shape} Clock
                 * @throws {Error} If the payload is not a reader or valid buffer
                 * @throws {$protobuf.util.ProtocolError} If required fields are missing
                 */
                Clock.decode = function (reader, length, _end, _depth, _target) {
                    if (!(reader instanceof $Reader))
                        reader = $Reader.create(reader);
                    if (_depth === $undefined)
                        _depth = 0;
                    if (_depth > $Reader.recursionLimit)
                        throw $Error("max depth exceeded");
                    let end, message, value;
                    if (length === $undefined)
                        end = reader.len;
                    else {
                        end = reader.pos + length;
                        if (end > reader.len)
                            throw $RangeError("index out of range");
                        length = reader.len;
                        reader.len = end;
                    }
                    message = _target || new $root.ntrace.trace.v1.Clock();
                    while (reader.pos < end) {
                        let start = reader.pos;
                        let tag = reader.tag();
                        if (tag === _end) {
                            _end = $undefined;
                            break;
                        }
                        let wireType = tag & 7;
                        switch (tag >>>= 3) {
                        case 1: {
                                if (wireType !== 2)
                                    break;
                                if ((value = reader.stringVerify()).length)
                                    message.kind = value;
                                else
                                    delete message.kind;
                                continue;
                            }
                        case 2: {
                                if (wireType !== 2)
                                    break;
                                if ((value = reader.stringVerify()).length)
                                    message.unit = value;
                                else
                                    delete message.unit;
                                continue;
                            }
                        case 3: {
                                if (wireType !== 2)
                                    break;
                                if ((value = reader.stringVerify()).length)
                                    message.description = value;
                                else
                                    delete message.description;
                                continue;
                            }
                        }
                        reader.skipType(wireType, _depth, tag);
                        if (!reader.discardUnknown) {
                            $util.makeProp(message, "$unknowns", false);
                            (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                        }
                    }
                    if (length !== $undefined) {
                        if (reader.pos !== end)
                            throw $RangeError("index out of range");
                        reader.len = length;
                    }
                    if (_end !== $undefined)
                        throw $Error("missing end group");
                    return message;
                };

                return Clock;
            })();

            v1.ExportName = (function() {

                /**
                 * Properties of an ExportName.
                 * @typedef {Object} ntrace.trace.v1.ExportName.$Properties
                 * @property {number|null} [rva] ExportName rva
                 * @property {string|null} [name] ExportName name
                 * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
                 */

                /**
                 * Properties of an ExportName.
                 * @memberof ntrace.trace.v1
                 * @interface IExportName
                 * @augments ntrace.trace.v1.ExportName.$Properties
                 * @deprecated Use ntrace.trace.v1.ExportName.$Properties instead.
                 */

                /**
                 * Shape of an ExportName.
                 * @typedef {ntrace.trace.v1.ExportName.$Properties} ntrace.trace.v1.ExportName.$Shape
                 */

                /**
                 * Constructs a new ExportName.
                 * @memberof ntrace.trace.v1
                 * @classdesc Represents an ExportName.
                 * @constructor
                 * @param {ntrace.trace.v1.ExportName.$Properties=} [properties] Properties to set
                 * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
                 */
                const ExportName = function (properties) {
                    if (properties)
                        for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                            if (properties[keys[i]] != null && keys[i] !== "__proto__")
                                this[keys[i]] = properties[keys[i]];
                };

                /**
                 * ExportName rva.
                 * @member {number} rva
                 * @memberof ntrace.trace.v1.ExportName
                 * @instance
                 */
                ExportName.prototype.rva = 0;

                /**
                 * ExportName name.
                 * @member {string} name
                 * @memberof ntrace.trace.v1.ExportName
                 * @instance
                 */
                ExportName.prototype.name = "";

                /**
                 * Creates a new ExportName instance using the specified properties.
                 * @function create
                 * @memberof ntrace.trace.v1.ExportName
                 * @static
                 * @param {ntrace.trace.v1.ExportName.$Properties=} [properties] Properties to set
                 * @returns {ntrace.trace.v1.ExportName} ExportName instance
                 * @type {{
                 *   (properties: ntrace.trace.v1.ExportName.$Shape): ntrace.trace.v1.ExportName & ntrace.trace.v1.ExportName.$Shape;
                 *   (properties?: ntrace.trace.v1.ExportName.$Properties): ntrace.trace.v1.ExportName;
                 * }}
                 */
                ExportName.create = function(properties) {
                    return new ExportName(properties);
                };

                /**
                 * Encodes the specified ExportName message. Does not implicitly {@link ntrace.trace.v1.ExportName.verify|verify} messages.
                 * @function encode
                 * @memberof ntrace.trace.v1.ExportName
                 * @static
                 * @param {ntrace.trace.v1.ExportName.$Properties} message ExportName message or plain object to encode
                 * @param {$protobuf.Writer} [writer] Writer to encode to
                 * @returns {$protobuf.Writer} Writer
                 */
                ExportName.encode = function (message, writer, _depth) {
                    if (!writer)
                        writer = $Writer.create();
                    if (_depth === $undefined)
                        _depth = 0;
                    if (_depth > $util.recursionLimit)
                        throw $Error("max depth exceeded");
                    if (message.rva != null && $Object.hasOwnProperty.call(message, "rva") && message.rva !== 0)
                        writer.uint32(/* id 1, wireType 0 =*/8).uint32(message.rva);
                    if (message.name != null && $Object.hasOwnProperty.call(message, "name") && message.name !== "")
                        writer.uint32(/* id 2, wireType 2 =*/18).string(message.name);
                    if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                        for (let i = 0; i < message.$unknowns.length; ++i)
                            writer.raw(message.$unknowns[i]);
                    return writer;
                };

                /**
                 * Decodes an ExportName message from the specified reader or buffer.
                 * @function decode
                 * @memberof ntrace.trace.v1.ExportName
                 * @static
                 * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
                 * @param {number} [length] Message length if known beforehand
                 * @returns {ntrace.trace.v1.ExportName & ntrace.trace.v1.ExportName.$Shape} ExportName
                 * @throws {Error} If the payload is not a reader or valid buffer
                 * @throws {$protobuf.util.ProtocolError} If required fields are missing
                 */
                ExportName.decode = function (reader, length, _end, _depth, _target) {
                    if (!(reader instanceof $Reader))
                        reader = $Reader.create(reader);
                    if (_depth === $undefined)
                        _depth = 0;
                    if (_depth > $Reader.recursionLimit)
                        throw $Error("max depth exceeded");
                    let end, message, value;
                    if (length === $undefined)
                        end = reader.len;
                    else {
                        end = reader.pos + length;
                        if (end > reader.len)
                            throw $RangeError("index out of range");
                        length = reader.len;
                        reader.len = end;
                    }
                    message = _target || new $root.ntrace.trace.v1.ExportName();
                    while (reader.pos < end) {
                        let start = reader.pos;
                        let tag = reader.tag();
                        if (tag === _end) {
                            _end = $undefined;
                            break;
                        }
                        let wireType = tag & 7;
                        switch (tag >>>= 3) {
                        case 1: {
                                if (wireType !== 0)
                                    break;
                                if (value = reader.uint32())
                                    message.rva = value;
                                else
                                    delete message.rva;
                                continue;
                            }
                        case 2: {
                                if (wireType !== 2)
                                    break;
                                if ((value = reader.stringVerify()).length)
                                    message.name = value;
                                else
                                    delete message.name;
                                continue;
                            }
                        }
                        reader.skipType(wireType, _depth, tag);
                        if (!reader.discardUnknown) {
                            $util.makeProp(message, "$unknowns", false);
                            (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                        }
                    }
                    if (length !== $undefined) {
                        if (reader.pos !== end)
                            throw $RangeError("index out of range");
                        reader.len = length;
                    }
                    if (_end !== $undefined)
                        throw $Error("missing end group");
                    return message;
                };

                return ExportName;
            })();

            v1.Module = (function() {

                /**
                 * Properties of a Module.
                 * @typedef {Object} ntrace.trace.v1.Module.$Properties
                 * @property {number|null} [index] Module index
                 * @property {string|null} [name] Module name
                 * @property {string|null} [path] Module path
                 * @property {number|null} [base] Module base
                 * @property {number|null} [size] Module size
                 * @property {number|null} [timeDateStamp] Module timeDateStamp
                 * @property {number|null} [checksum] Module checksum
                 * @property {Array.<ntrace.trace.v1.ExportName.$Properties>|null} [exportNames] Module exportNames
                 * @property {Uint8Array|null} [debugBlock] Module debugBlock
                 * @property {Array.<number>|null} [functionRvas] Module functionRvas
                 * @property {number|null} [firstFunctionId] Module firstFunctionId
                 * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
                 */

                /**
                 * Properties of a Module.
                 * @memberof ntrace.trace.v1
                 * @interface IModule
                 * @augments ntrace.trace.v1.Module.$Properties
                 * @deprecated Use ntrace.trace.v1.Module.$Properties instead.
                 */

                /**
                 * Shape of a Module.
                 * @typedef {ntrace.trace.v1.Module.$Properties} ntrace.trace.v1.Module.$Shape
                 */

                /**
                 * Constructs a new Module.
                 * @memberof ntrace.trace.v1
                 * @classdesc Represents a Module.
                 * @constructor
                 * @param {ntrace.trace.v1.Module.$Properties=} [properties] Properties to set
                 * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
                 */
                const Module = function (properties) {
                    this.exportNames = [];
                    this.functionRvas = [];
                    if (properties)
                        for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                            if (properties[keys[i]] != null && keys[i] !== "__proto__")
                                this[keys[i]] = properties[keys[i]];
                };

                /**
                 * Module index.
                 * @member {number} index
                 * @memberof ntrace.trace.v1.Module
                 * @instance
                 */
                Module.prototype.index = 0;

                /**
                 * Module name.
                 * @member {string} name
                 * @memberof ntrace.trace.v1.Module
                 * @instance
                 */
                Module.prototype.name = "";

                /**
                 * Module path.
                 * @member {string} path
                 * @memberof ntrace.trace.v1.Module
                 * @instance
                 */
                Module.prototype.path = "";

                /**
                 * Module base.
                 * @member {number} base
                 * @memberof ntrace.trace.v1.Module
                 * @instance
                 */
                Module.prototype.base = 0;

                /**
                 * Module size.
                 * @member {number} size
                 * @memberof ntrace.trace.v1.Module
                 * @instance
                 */
                Module.prototype.size = 0;

                /**
                 * Module timeDateStamp.
                 * @member {number} timeDateStamp
                 * @memberof ntrace.trace.v1.Module
                 * @instance
                 */
                Module.prototype.timeDateStamp = 0;

                /**
                 * Module checksum.
                 * @member {number} checksum
                 * @memberof ntrace.trace.v1.Module
                 * @instance
                 */
                Module.prototype.checksum = 0;

                /**
                 * Module exportNames.
                 * @member {Array.<ntrace.trace.v1.ExportName.$Properties>} exportNames
                 * @memberof ntrace.trace.v1.Module
                 * @instance
                 */
                Module.prototype.exportNames = $util.emptyArray;

                /**
                 * Module debugBlock.
                 * @member {Uint8Array} debugBlock
                 * @memberof ntrace.trace.v1.Module
                 * @instance
                 */
                Module.prototype.debugBlock = $util.newBuffer([]);

                /**
                 * Module functionRvas.
                 * @member {Array.<number>} functionRvas
                 * @memberof ntrace.trace.v1.Module
                 * @instance
                 */
                Module.prototype.functionRvas = $util.emptyArray;

                /**
                 * Module firstFunctionId.
                 * @member {number} firstFunctionId
                 * @memberof ntrace.trace.v1.Module
                 * @instance
                 */
                Module.prototype.firstFunctionId = 0;

                /**
                 * Creates a new Module instance using the specified properties.
                 * @function create
                 * @memberof ntrace.trace.v1.Module
                 * @static
                 * @param {ntrace.trace.v1.Module.$Properties=} [properties] Properties to set
                 * @returns {ntrace.trace.v1.Module} Module instance
                 * @type {{
                 *   (properties: ntrace.trace.v1.Module.$Shape): ntrace.trace.v1.Module & ntrace.trace.v1.Module.$Shape;
                 *   (properties?: ntrace.trace.v1.Module.$Properties): ntrace.trace.v1.Module;
                 * }}
                 */
                Module.create = function(properties) {
                    return new Module(properties);
                };

                /**
                 * Encodes the specified Module message. Does not implicitly {@link ntrace.trace.v1.Module.verify|verify} messages.
                 * @function encode
                 * @memberof ntrace.trace.v1.Module
                 * @static
                 * @param {ntrace.trace.v1.Module.$Properties} message Module message or plain object to encode
                 * @param {$protobuf.Writer} [writer] Writer to encode to
                 * @returns {$protobuf.Writer} Writer
                 */
                Module.encode = function (message, writer, _depth) {
                    if (!writer)
                        writer = $Writer.create();
                    if (_depth === $undefined)
                        _depth = 0;
                    if (_depth > $util.recursionLimit)
                        throw $Error("max depth exceeded");
                    if (message.index != null && $Object.hasOwnProperty.call(message, "index") && message.index !== 0)
                        writer.uint32(/* id 1, wireType 0 =*/8).uint32(message.index);
                    if (message.name != null && $Object.hasOwnProperty.call(message, "name") && message.name !== "")
                        writer.uint32(/* id 2, wireType 2 =*/18).string(message.name);
                    if (message.path != null && $Object.hasOwnProperty.call(message, "path") && message.path !== "")
                        writer.uint32(/* id 3, wireType 2 =*/26).string(message.path);
                    if (message.base != null && $Object.hasOwnProperty.call(message, "base") && message.base !== 0)
                        writer.uint32(/* id 4, wireType 0 =*/32).uint32(message.base);
                    if (message.size != null && $Object.hasOwnProperty.call(message, "size") && message.size !== 0)
                        writer.uint32(/* id 5, wireType 0 =*/40).uint32(message.size);
                    if (message.timeDateStamp != null && $Object.hasOwnProperty.call(message, "timeDateStamp") && message.timeDateStamp !== 0)
                        writer.uint32(/* id 6, wireType 0 =*/48).uint32(message.timeDateStamp);
                    if (message.checksum != null && $Object.hasOwnProperty.call(message, "checksum") && message.checksum !== 0)
                        writer.uint32(/* id 7, wireType 0 =*/56).uint32(message.checksum);
                    if (message.exportNames != null && message.exportNames.length)
                        for (let i = 0; i < message.exportNames.length; ++i)
                            $root.ntrace.trace.v1.ExportName.encode(message.exportNames[i], writer.uint32(/* id 8, wireType 2 =*/66).fork(), _depth + 1).ldelim();
                    if (message.debugBlock != null && $Object.hasOwnProperty.call(message, "debugBlock") && message.debugBlock.length)
                        writer.uint32(/* id 9, wireType 2 =*/74).bytes(message.debugBlock);
                    if (message.functionRvas != null && message.functionRvas.length)
                        writer.uint32(/* id 10, wireType 2 =*/82).uint32s(message.functionRvas);
                    if (message.firstFunctionId != null && $Object.hasOwnProperty.call(message, "firstFunctionId") && message.firstFunctionId !== 0)
                        writer.uint32(/* id 11, wireType 0 =*/88).uint32(message.firstFunctionId);
                    if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                        for (let i = 0; i < message.$unknowns.length; ++i)
                            writer.raw(message.$unknowns[i]);
                    return writer;
                };

                /**
                 * Decodes a Module message from the specified reader or buffer.
                 * @function decode
                 * @memberof ntrace.trace.v1.Module
                 * @static
                 * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
                 * @param {number} [length] Message length if known beforehand
                 * @returns {ntrace.trace.v1.Module & ntrace.trace.v1.Module.$Shape} Module
                 * @throws {Error} If the payload is not a reader or valid buffer
                 * @throws {$protobuf.util.ProtocolError} If required fields are missing
                 */
                Module.decode = function (reader, length, _end, _depth, _target) {
                    if (!(reader instanceof $Reader))
                        reader = $Reader.create(reader);
                    if (_depth === $undefined)
                        _depth = 0;
                    if (_depth > $Reader.recursionLimit)
                        throw $Error("max depth exceeded");
                    let end, message, value;
                    if (length === $undefined)
                        end = reader.len;
                    else {
                        end = reader.pos + length;
                        if (end > reader.len)
                            throw $RangeError("index out of range");
                        length = reader.len;
                        reader.len = end;
                    }
                    message = _target || new $root.ntrace.trace.v1.Module();
                    while (reader.pos < end) {
                        let start = reader.pos;
                        let tag = reader.tag();
                        if (tag === _end) {
                            _end = $undefined;
                            break;
                        }
                        let wireType = tag & 7;
                        switch (tag >>>= 3) {
                        case 1: {
                                if (wireType !== 0)
                                    break;
                                if (value = reader.uint32())
                                    message.index = value;
                                else
                                    delete message.index;
                                continue;
                            }
                        case 2: {
                                if (wireType !== 2)
                                    break;
                                if ((value = reader.stringVerify()).length)
                                    message.name = value;
                                else
                                    delete message.name;
                                continue;
                            }
                        case 3: {
                                if (wireType !== 2)
                                    break;
                                if ((value = reader.stringVerify()).length)
                                    message.path = value;
                                else
                                    delete message.path;
                                continue;
                            }
                        case 4: {
                                if (wireType !== 0)
                                    break;
                                if (value = reader.uint32())
                                    message.base = value;
                                else
                                    delete message.base;
                                continue;
                            }
                        case 5: {
                                if (wireType !== 0)
                                    break;
                                if (value = reader.uint32())
                                    message.size = value;
                                else
                                    delete message.size;
                                continue;
                            }
                        case 6: {
                                if (wireType !== 0)
                                    break;
                                if (value = reader.uint32())
                                    message.timeDateStamp = value;
                                else
                                    delete message.timeDateStamp;
                                continue;
                            }
                        case 7: {
                                if (wireType !== 0)
                                    break;
                                if (value = reader.uint32())
                                    message.checksum = value;
                                else
                                    delete message.checksum;
                                continue;
                            }
                        case 8: {
                                if (wireType !== 2)
                                    break;
                                if (!(message.exportNames && message.exportNames.length))
                                    message.exportNames = [];
                                message.exportNames.push($root.ntrace.trace.v1.ExportName.decode(reader, reader.size(), $undefined, _depth + 1));
                                continue;
                            }
                        case 9: {
                                if (wireType !== 2)
                                    break;
                                if ((value = reader.bytes()).length)
                                    message.debugBlock = value;
                                else
                                    delete message.debugBlock;
                                continue;
                            }
                        case 10: {
                                if (wireType === 2) {
                                    if (!(message.functionRvas && message.functionRvas.length))
                                        message.functionRvas = [];
                                    reader.uint32s(message.functionRvas);
                                    continue;
                                }
                                if (wireType !== 0)
                                    break;
                                if (!(message.functionRvas && message.functionRvas.length))
                                    message.functionRvas = [];
                                message.functionRvas.push(reader.uint32());
                                continue;
                            }
                        case 11: {
                                if (wireType !== 0)
                                    break;
                                if (value = reader.uint32())
                                    message.firstFunctionId = value;
                                else
                                    delete message.firstFunctionId;
                                continue;
                            }
                        }
                        reader.skipType(wireType, _depth, tag);
                        if (!reader.discardUnknown) {
                            $util.makeProp(message, "$unknowns", false);
                            (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                        }
                    }
                    if (length !== $undefined) {
                        if (reader.pos !== end)
                            throw $RangeError("index out of range");
                        reader.len = length;
                    }
                    if (_end !== $undefined)
                        throw $Error("missing end group");
                    return message;
                };

                return Module;
            })();

            v1.Thread = (function() {

                /**
                 * Properties of a Thread.
                 * @typedef {Object} ntrace.trace.v1.Thread.$Properties
                 * @property {number|null} [key] Thread key
                 * @property {number|null} [process] Thread process
                 * @property {number|null} [thread] Thread thread
                 * @property {number|null} [cpu] Thread cpu
                 * @property {number|null} [startAddress] Thread startAddress
                 * @property {string|null} [name] Thread name
                 * @property {boolean|null} [idle] Thread idle
                 * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
                 */

                /**
                 * Properties of a Thread.
                 * @memberof ntrace.trace.v1
                 * @interface IThread
                 * @augments ntrace.trace.v1.Thread.$Properties
                 * @deprecated Use ntrace.trace.v1.Thread.$Properties instead.
                 */

                /**
                 * Shape of a Thread.
                 * @typedef {ntrace.trace.v1.Thread.$Properties} ntrace.trace.v1.Thread.$Shape
                 */

                /**
                 * Constructs a new Thread.
                 * @memberof ntrace.trace.v1
                 * @classdesc Represents a Thread.
                 * @constructor
                 * @param {ntrace.trace.v1.Thread.$Properties=} [properties] Properties to set
                 * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
                 */
                const Thread = function (properties) {
                    if (properties)
                        for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                            if (properties[keys[i]] != null && keys[i] !== "__proto__")
                                this[keys[i]] = properties[keys[i]];
                };

                /**
                 * Thread key.
                 * @member {number} key
                 * @memberof ntrace.trace.v1.Thread
                 * @instance
                 */
                Thread.prototype.key = 0;

                /**
                 * Thread process.
                 * @member {number} process
                 * @memberof ntrace.trace.v1.Thread
                 * @instance
                 */
                Thread.prototype.process = 0;

                /**
                 * Thread thread.
                 * @member {number} thread
                 * @memberof ntrace.trace.v1.Thread
                 * @instance
                 */
                Thread.prototype.thread = 0;

                /**
                 * Thread cpu.
                 * @member {number|null|undefined} cpu
                 * @memberof ntrace.trace.v1.Thread
                 * @instance
                 */
                Thread.prototype.cpu = null;

                /**
                 * Thread startAddress.
                 * @member {number} startAddress
                 * @memberof ntrace.trace.v1.Thread
                 * @instance
                 */
                Thread.prototype.startAddress = 0;

                /**
                 * Thread name.
                 * @member {string|null|undefined} name
                 * @memberof ntrace.trace.v1.Thread
                 * @instance
                 */
                Thread.prototype.name = null;

                /**
                 * Thread idle.
                 * @member {boolean} idle
                 * @memberof ntrace.trace.v1.Thread
                 * @instance
                 */
                Thread.prototype.idle = false;

                // OneOf field names bound to virtual getters and setters
                let $oneOfFields;

                // Virtual OneOf for proto3 optional field
                $Object.defineProperty(Thread.prototype, "_cpu", {
                    get: $util.oneOfGetter($oneOfFields = ["cpu"]),
                    set: $util.oneOfSetter($oneOfFields)
                });

                // Virtual OneOf for proto3 optional field
                $Object.defineProperty(Thread.prototype, "_name", {
                    get: $util.oneOfGetter($oneOfFields = ["name"]),
                    set: $util.oneOfSetter($oneOfFields)
                });

                /**
                 * Creates a new Thread instance using the specified properties.
                 * @function create
                 * @memberof ntrace.trace.v1.Thread
                 * @static
                 * @param {ntrace.trace.v1.Thread.$Properties=} [properties] Properties to set
                 * @returns {ntrace.trace.v1.Thread} Thread instance
                 * @type {{
                 *   (properties: ntrace.trace.v1.Thread.$Shape): ntrace.trace.v1.Thread & ntrace.trace.v1.Thread.$Shape;
                 *   (properties?: ntrace.trace.v1.Thread.$Properties): ntrace.trace.v1.Thread;
                 * }}
                 */
                Thread.create = function(properties) {
                    return new Thread(properties);
                };

                /**
                 * Encodes the specified Thread message. Does not implicitly {@link ntrace.trace.v1.Thread.verify|verify} messages.
                 * @function encode
                 * @memberof ntrace.trace.v1.Thread
                 * @static
                 * @param {ntrace.trace.v1.Thread.$Properties} message Thread message or plain object to encode
                 * @param {$protobuf.Writer} [writer] Writer to encode to
                 * @returns {$protobuf.Writer} Writer
                 */
                Thread.encode = function (message, writer, _depth) {
                    if (!writer)
                        writer = $Writer.create();
                    if (_depth === $undefined)
                        _depth = 0;
                    if (_depth > $util.recursionLimit)
                        throw $Error("max depth exceeded");
                    if (message.key != null && $Object.hasOwnProperty.call(message, "key") && message.key !== 0)
                        writer.uint32(/* id 1, wireType 0 =*/8).uint32(message.key);
                    if (message.process != null && $Object.hasOwnProperty.call(message, "process") && message.process !== 0)
                        writer.uint32(/* id 2, wireType 0 =*/16).uint32(message.process);
                    if (message.thread != null && $Object.hasOwnProperty.call(message, "thread") && message.thread !== 0)
                        writer.uint32(/* id 3, wireType 0 =*/24).uint32(message.thread);
                    if (message.cpu != null && $Object.hasOwnProperty.call(message, "cpu"))
                        writer.uint32(/* id 4, wireType 0 =*/32).uint32(message.cpu);
                    if (message.startAddress != null && $Object.hasOwnProperty.call(message, "startAddress") && message.startAddress !== 0)
                        writer.uint32(/* id 5, wireType 0 =*/40).uint32(message.startAddress);
                    if (message.name != null && $Object.hasOwnProperty.call(message, "name"))
                        writer.uint32(/* id 6, wireType 2 =*/50).string(message.name);
                    if (message.idle != null && $Object.hasOwnProperty.call(message, "idle") && message.idle !== false)
                        writer.uint32(/* id 7, wireType 0 =*/56).bool(message.idle);
                    if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                        for (let i = 0; i < message.$unknowns.length; ++i)
                            writer.raw(message.$unknowns[i]);
                    return writer;
                };

                /**
                 * Decodes a Thread message from the specified reader or buffer.
                 * @function decode
                 * @memberof ntrace.trace.v1.Thread
                 * @static
                 * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
                 * @param {number} [length] Message length if known beforehand
                 * @returns {ntrace.trace.v1.Thread & ntrace.trace.v1.Thread.$Shape} Thread
                 * @throws {Error} If the payload is not a reader or valid buffer
                 * @throws {$protobuf.util.ProtocolError} If required fields are missing
                 */
                Thread.decode = function (reader, length, _end, _depth, _target) {
                    if (!(reader instanceof $Reader))
                        reader = $Reader.create(reader);
                    if (_depth === $undefined)
                        _depth = 0;
                    if (_depth > $Reader.recursionLimit)
                        throw $Error("max depth exceeded");
                    let end, message, value;
                    if (length === $undefined)
                        end = reader.len;
                    else {
                        end = reader.pos + length;
                        if (end > reader.len)
                            throw $RangeError("index out of range");
                        length = reader.len;
                        reader.len = end;
                    }
                    message = _target || new $root.ntrace.trace.v1.Thread();
                    while (reader.pos < end) {
                        let start = reader.pos;
                        let tag = reader.tag();
                        if (tag === _end) {
                            _end = $undefined;
                            break;
                        }
                        let wireType = tag & 7;
                        switch (tag >>>= 3) {
                        case 1: {
                                if (wireType !== 0)
                                    break;
                                if (value = reader.uint32())
                                    message.key = value;
                                else
                                    delete message.key;
                                continue;
                            }
                        case 2: {
                                if (wireType !== 0)
                                    break;
                                if (value = reader.uint32())
                                    message.process = value;
                                else
                                    delete message.process;
                                continue;
                            }
                        case 3: {
                                if (wireType !== 0)
                                    break;
                                if (value = reader.uint32())
                                    message.thread = value;
                                else
                                    delete message.thread;
                                continue;
                            }
                        case 4: {
                                if (wireType !== 0)
                                    break;
                                message.cpu = reader.uint32();
                                message._cpu = "cpu";
                                continue;
                            }
                        case 5: {
                                if (wireType !== 0)
                                    break;
                                if (value = reader.uint32())
                                    message.startAddress = value;
                                else
                                    delete message.startAddress;
                                continue;
                            }
                        case 6: {
                                if (wireType !== 2)
                                    break;
                                message.name = reader.stringVerify();
                                message._name = "name";
                                continue;
                            }
                        case 7: {
                                if (wireType !== 0)
                                    break;
                                if (value = reader.bool())
                                    message.idle = value;
                                else
                                    delete message.idle;
                                continue;
                            }
                        }
                        reader.skipType(wireType, _depth, tag);
                        if (!reader.discardUnknown) {
                            $util.makeProp(message, "$unknowns", false);
                            (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                        }
                    }
                    if (length !== $undefined) {
                        if (reader.pos !== end)
                            throw $RangeError("index out of range");
                        reader.len = length;
                    }
                    if (_end !== $undefined)
                        throw $Error("missing end group");
                    return message;
                };

                return Thread;
            })();

            /**
             * ColumnEncoding enum.
             * @name ntrace.trace.v1.ColumnEncoding
             * @enum {number}
             * @property {number} COLUMNS_PLAIN=0 COLUMNS_PLAIN value
             * @property {number} COLUMNS_DEFLATE_RAW=1 COLUMNS_DEFLATE_RAW value
             */
            v1.ColumnEncoding = (function() {
                const valuesById = $Object.create(null), values = $Object.create(valuesById);
                values[valuesById[0] = "COLUMNS_PLAIN"] = 0;
                values[valuesById[1] = "COLUMNS_DEFLATE_RAW"] = 1;
                return values;
            })();

            v1.EventChunk = (function() {

                /**
                 * Properties of an EventChunk.
                 * @typedef {Object} ntrace.trace.v1.EventChunk.$Properties
                 * @property {number|null} [thread] EventChunk thread
                 * @property {number|null} [seq] EventChunk seq
                 * @property {number|null} [count] EventChunk count
                 * @property {number|Long|null} [firstTs] EventChunk firstTs
                 * @property {number|Long|null} [lastTs] EventChunk lastTs
                 * @property {ntrace.trace.v1.ColumnEncoding|null} [encoding] EventChunk encoding
                 * @property {number|null} [rawSize] EventChunk rawSize
                 * @property {Uint8Array|null} [columns] EventChunk columns
                 * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
                 */

                /**
                 * Properties of an EventChunk.
                 * @memberof ntrace.trace.v1
                 * @interface IEventChunk
                 * @augments ntrace.trace.v1.EventChunk.$Properties
                 * @deprecated Use ntrace.trace.v1.EventChunk.$Properties instead.
                 */

                /**
                 * Shape of an EventChunk.
                 * @typedef {ntrace.trace.v1.EventChunk.$Properties} ntrace.trace.v1.EventChunk.$Shape
                 */

                /**
                 * Constructs a new EventChunk.
                 * @memberof ntrace.trace.v1
                 * @classdesc Represents an EventChunk.
                 * @constructor
                 * @param {ntrace.trace.v1.EventChunk.$Properties=} [properties] Properties to set
                 * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
                 */
                const EventChunk = function (properties) {
                    if (properties)
                        for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                            if (properties[keys[i]] != null && keys[i] !== "__proto__")
                                this[keys[i]] = properties[keys[i]];
                };

                /**
                 * EventChunk thread.
                 * @member {number} thread
                 * @memberof ntrace.trace.v1.EventChunk
                 * @instance
                 */
                EventChunk.prototype.thread = 0;

                /**
                 * EventChunk seq.
                 * @member {number} seq
                 * @memberof ntrace.trace.v1.EventChunk
                 * @instance
                 */
                EventChunk.prototype.seq = 0;

                /**
                 * EventChunk count.
                 * @member {number} count
                 * @memberof ntrace.trace.v1.EventChunk
                 * @instance
                 */
                EventChunk.prototype.count = 0;

                /**
                 * EventChunk firstTs.
                 * @member {number|Long} firstTs
                 * @memberof ntrace.trace.v1.EventChunk
                 * @instance
                 */
                EventChunk.prototype.firstTs = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

                /**
                 * EventChunk lastTs.
                 * @member {number|Long} lastTs
                 * @memberof ntrace.trace.v1.EventChunk
                 * @instance
                 */
                EventChunk.prototype.lastTs = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

                /**
                 * EventChunk encoding.
                 * @member {ntrace.trace.v1.ColumnEncoding} encoding
                 * @memberof ntrace.trace.v1.EventChunk
                 * @instance
                 */
                EventChunk.prototype.encoding = 0;

                /**
                 * EventChunk rawSize.
                 * @member {number} rawSize
                 * @memberof ntrace.trace.v1.EventChunk
                 * @instance
                 */
                EventChunk.prototype.rawSize = 0;

                /**
                 * EventChunk columns.
                 * @member {Uint8Array} columns
                 * @memberof ntrace.trace.v1.EventChunk
                 * @instance
                 */
                EventChunk.prototype.columns = $util.newBuffer([]);

                /**
                 * Creates a new EventChunk instance using the specified properties.
                 * @function create
                 * @memberof ntrace.trace.v1.EventChunk
                 * @static
                 * @param {ntrace.trace.v1.EventChunk.$Properties=} [properties] Properties to set
                 * @returns {ntrace.trace.v1.EventChunk} EventChunk instance
                 * @type {{
                 *   (properties: ntrace.trace.v1.EventChunk.$Shape): ntrace.trace.v1.EventChunk & ntrace.trace.v1.EventChunk.$Shape;
                 *   (properties?: ntrace.trace.v1.EventChunk.$Properties): ntrace.trace.v1.EventChunk;
                 * }}
                 */
                EventChunk.create = function(properties) {
                    return new EventChunk(properties);
                };

                /**
                 * Encodes the specified EventChunk message. Does not implicitly {@link ntrace.trace.v1.EventChunk.verify|verify} messages.
                 * @function encode
                 * @memberof ntrace.trace.v1.EventChunk
                 * @static
                 * @param {ntrace.trace.v1.EventChunk.$Properties} message EventChunk message or plain object to encode
                 * @param {$protobuf.Writer} [writer] Writer to encode to
                 * @returns {$protobuf.Writer} Writer
                 */
                EventChunk.encode = function (message, writer, _depth) {
                    if (!writer)
                        writer = $Writer.create();
                    if (_depth === $undefined)
                        _depth = 0;
                    if (_depth > $util.recursionLimit)
                        throw $Error("max depth exceeded");
                    if (message.thread != null && $Object.hasOwnProperty.call(message, "thread") && message.thread !== 0)
                        writer.uint32(/* id 1, wireType 0 =*/8).uint32(message.thread);
                    if (message.seq != null && $Object.hasOwnProperty.call(message, "seq") && message.seq !== 0)
                        writer.uint32(/* id 2, wireType 0 =*/16).uint32(message.seq);
                    if (message.count != null && $Object.hasOwnProperty.call(message, "count") && message.count !== 0)
                        writer.uint32(/* id 3, wireType 0 =*/24).uint32(message.count);
                    if (message.firstTs != null && $Object.hasOwnProperty.call(message, "firstTs") && (typeof message.firstTs === "object" ? message.firstTs.low || message.firstTs.high : message.firstTs !== 0))
                        writer.uint32(/* id 4, wireType 0 =*/32).uint64(message.firstTs);
                    if (message.lastTs != null && $Object.hasOwnProperty.call(message, "lastTs") && (typeof message.lastTs === "object" ? message.lastTs.low || message.lastTs.high : message.lastTs !== 0))
                        writer.uint32(/* id 5, wireType 0 =*/40).uint64(message.lastTs);
                    if (message.encoding != null && $Object.hasOwnProperty.call(message, "encoding") && message.encoding !== 0)
                        writer.uint32(/* id 6, wireType 0 =*/48).int32(message.encoding);
                    if (message.rawSize != null && $Object.hasOwnProperty.call(message, "rawSize") && message.rawSize !== 0)
                        writer.uint32(/* id 7, wireType 0 =*/56).uint32(message.rawSize);
                    if (message.columns != null && $Object.hasOwnProperty.call(message, "columns") && message.columns.length)
                        writer.uint32(/* id 8, wireType 2 =*/66).bytes(message.columns);
                    if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                        for (let i = 0; i < message.$unknowns.length; ++i)
                            writer.raw(message.$unknowns[i]);
                    return writer;
                };

                /**
                 * Decodes an EventChunk message from the specified reader or buffer.
                 * @function decode
                 * @memberof ntrace.trace.v1.EventChunk
                 * @static
                 * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
                 * @param {number} [length] Message length if known beforehand
                 * @returns {ntrace.trace.v1.EventChunk & ntrace.trace.v1.EventChunk.$Shape} EventChunk
                 * @throws {Error} If the payload is not a reader or valid buffer
                 * @throws {$protobuf.util.ProtocolError} If required fields are missing
                 */
                EventChunk.decode = function (reader, length, _end, _depth, _target) {
                    if (!(reader instanceof $Reader))
                        reader = $Reader.create(reader);
                    if (_depth === $undefined)
                        _depth = 0;
                    if (_depth > $Reader.recursionLimit)
                        throw $Error("max depth exceeded");
                    let end, message, value;
                    if (length === $undefined)
                        end = reader.len;
                    else {
                        end = reader.pos + length;
                        if (end > reader.len)
                            throw $RangeError("index out of range");
                        length = reader.len;
                        reader.len = end;
                    }
                    message = _target || new $root.ntrace.trace.v1.EventChunk();
                    while (reader.pos < end) {
                        let start = reader.pos;
                        let tag = reader.tag();
                        if (tag === _end) {
                            _end = $undefined;
                            break;
                        }
                        let wireType = tag & 7;
                        switch (tag >>>= 3) {
                        case 1: {
                                if (wireType !== 0)
                                    break;
                                if (value = reader.uint32())
                                    message.thread = value;
                                else
                                    delete message.thread;
                                continue;
                            }
                        case 2: {
                                if (wireType !== 0)
                                    break;
                                if (value = reader.uint32())
                                    message.seq = value;
                                else
                                    delete message.seq;
                                continue;
                            }
                        case 3: {
                                if (wireType !== 0)
                                    break;
                                if (value = reader.uint32())
                                    message.count = value;
                                else
                                    delete message.count;
                                continue;
                            }
                        case 4: {
                                if (wireType !== 0)
                                    break;
                                if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                                    message.firstTs = value;
                                else
                                    delete message.firstTs;
                                continue;
                            }
                        case 5: {
                                if (wireType !== 0)
                                    break;
                                if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                                    message.lastTs = value;
                                else
                                    delete message.lastTs;
                                continue;
                            }
                        case 6: {
                                if (wireType !== 0)
                                    break;
                                if (value = reader.int32())
                                    message.encoding = value;
                                else
                                    delete message.encoding;
                                continue;
                            }
                        case 7: {
                                if (wireType !== 0)
                                    break;
                                if (value = reader.uint32())
                                    message.rawSize = value;
                                else
                                    delete message.rawSize;
                                continue;
                            }
                        case 8: {
                                if (wireType !== 2)
                                    break;
                                if ((value = reader.bytes()).length)
                                    message.columns = value;
                                else
                                    delete message.columns;
                                continue;
                            }
                        }
                        reader.skipType(wireType, _depth, tag);
                        if (!reader.discardUnknown) {
                            $util.makeProp(message, "$unknowns", false);
                            (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                        }
                    }
                    if (length !== $undefined) {
                        if (reader.pos !== end)
                            throw $RangeError("index out of range");
                        reader.len = length;
                    }
                    if (_end !== $undefined)
                        throw $Error("missing end group");
                    return message;
                };

                return EventChunk;
            })();

            v1.EventColumns = (function() {

                /**
                 * Properties of an EventColumns.
                 * @typedef {Object} ntrace.trace.v1.EventColumns.$Properties
                 * @property {Array.<number>|null} [kind] EventColumns kind
                 * @property {Array.<number|Long>|null} [tsDelta] EventColumns tsDelta
                 * @property {Array.<number>|null} [fn] EventColumns fn
                 * @property {Array.<number>|null} [espDelta] EventColumns espDelta
                 * @property {Array.<number>|null} [value] EventColumns value
                 * @property {Array.<number>|null} [args] EventColumns args
                 * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
                 */

                /**
                 * Properties of an EventColumns.
                 * @memberof ntrace.trace.v1
                 * @interface IEventColumns
                 * @augments ntrace.trace.v1.EventColumns.$Properties
                 * @deprecated Use ntrace.trace.v1.EventColumns.$Properties instead.
                 */

                /**
                 * Shape of an EventColumns.
                 * @typedef {ntrace.trace.v1.EventColumns.$Properties} ntrace.trace.v1.EventColumns.$Shape
                 */

                /**
                 * Constructs a new EventColumns.
                 * @memberof ntrace.trace.v1
                 * @classdesc Represents an EventColumns.
                 * @constructor
                 * @param {ntrace.trace.v1.EventColumns.$Properties=} [properties] Properties to set
                 * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
                 */
                const EventColumns = function (properties) {
                    this.kind = [];
                    this.tsDelta = [];
                    this.fn = [];
                    this.espDelta = [];
                    this.value = [];
                    this.args = [];
                    if (properties)
                        for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                            if (properties[keys[i]] != null && keys[i] !== "__proto__")
                                this[keys[i]] = properties[keys[i]];
                };

                /**
                 * EventColumns kind.
                 * @member {Array.<number>} kind
                 * @memberof ntrace.trace.v1.EventColumns
                 * @instance
                 */
                EventColumns.prototype.kind = $util.emptyArray;

                /**
                 * EventColumns tsDelta.
                 * @member {Array.<number|Long>} tsDelta
                 * @memberof ntrace.trace.v1.EventColumns
                 * @instance
                 */
                EventColumns.prototype.tsDelta = $util.emptyArray;

                /**
                 * EventColumns fn.
                 * @member {Array.<number>} fn
                 * @memberof ntrace.trace.v1.EventColumns
                 * @instance
                 */
                EventColumns.prototype.fn = $util.emptyArray;

                /**
                 * EventColumns espDelta.
                 * @member {Array.<number>} espDelta
                 * @memberof ntrace.trace.v1.EventColumns
                 * @instance
                 */
                EventColumns.prototype.espDelta = $util.emptyArray;

                /**
                 * EventColumns value.
                 * @member {Array.<number>} value
                 * @memberof ntrace.trace.v1.EventColumns
                 * @instance
                 */
                EventColumns.prototype.value = $util.emptyArray;

                /**
                 * EventColumns args.
                 * @member {Array.<number>} args
                 * @memberof ntrace.trace.v1.EventColumns
                 * @instance
                 */
                EventColumns.prototype.args = $util.emptyArray;

                /**
                 * Creates a new EventColumns instance using the specified properties.
                 * @function create
                 * @memberof ntrace.trace.v1.EventColumns
                 * @static
                 * @param {ntrace.trace.v1.EventColumns.$Properties=} [properties] Properties to set
                 * @returns {ntrace.trace.v1.EventColumns} EventColumns instance
                 * @type {{
                 *   (properties: ntrace.trace.v1.EventColumns.$Shape): ntrace.trace.v1.EventColumns & ntrace.trace.v1.EventColumns.$Shape;
                 *   (properties?: ntrace.trace.v1.EventColumns.$Properties): ntrace.trace.v1.EventColumns;
                 * }}
                 */
                EventColumns.create = function(properties) {
                    return new EventColumns(properties);
                };

                /**
                 * Encodes the specified EventColumns message. Does not implicitly {@link ntrace.trace.v1.EventColumns.verify|verify} messages.
                 * @function encode
                 * @memberof ntrace.trace.v1.EventColumns
                 * @static
                 * @param {ntrace.trace.v1.EventColumns.$Properties} message EventColumns message or plain object to encode
                 * @param {$protobuf.Writer} [writer] Writer to encode to
                 * @returns {$protobuf.Writer} Writer
                 */
                EventColumns.encode = function (message, writer, _depth) {
                    if (!writer)
                        writer = $Writer.create();
                    if (_depth === $undefined)
                        _depth = 0;
                    if (_depth > $util.recursionLimit)
                        throw $Error("max depth exceeded");
                    if (message.kind != null && message.kind.length)
                        writer.uint32(/* id 1, wireType 2 =*/10).uint32s(message.kind);
                    if (message.tsDelta != null && message.tsDelta.length)
                        writer.uint32(/* id 2, wireType 2 =*/18).sint64s(message.tsDelta);
                    if (message.fn != null && message.fn.length)
                        writer.uint32(/* id 3, wireType 2 =*/26).uint32s(message.fn);
                    if (message.espDelta != null && message.espDelta.length)
                        writer.uint32(/* id 4, wireType 2 =*/34).sint32s(message.espDelta);
                    if (message.value != null && message.value.length)
                        writer.uint32(/* id 5, wireType 2 =*/42).uint32s(message.value);
                    if (message.args != null && message.args.length)
                        writer.uint32(/* id 6, wireType 2 =*/50).uint32s(message.args);
                    if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                        for (let i = 0; i < message.$unknowns.length; ++i)
                            writer.raw(message.$unknowns[i]);
                    return writer;
                };

                /**
                 * Decodes an EventColumns message from the specified reader or buffer.
                 * @function decode
                 * @memberof ntrace.trace.v1.EventColumns
                 * @static
                 * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
                 * @param {number} [length] Message length if known beforehand
                 * @returns {ntrace.trace.v1.EventColumns & ntrace.trace.v1.EventColumns.$Shape} EventColumns
                 * @throws {Error} If the payload is not a reader or valid buffer
                 * @throws {$protobuf.util.ProtocolError} If required fields are missing
                 */
                EventColumns.decode = function (reader, length, _end, _depth, _target) {
                    if (!(reader instanceof $Reader))
                        reader = $Reader.create(reader);
                    if (_depth === $undefined)
                        _depth = 0;
                    if (_depth > $Reader.recursionLimit)
                        throw $Error("max depth exceeded");
                    let end, message;
                    if (length === $undefined)
                        end = reader.len;
                    else {
                        end = reader.pos + length;
                        if (end > reader.len)
                            throw $RangeError("index out of range");
                        length = reader.len;
                        reader.len = end;
                    }
                    message = _target || new $root.ntrace.trace.v1.EventColumns();
                    while (reader.pos < end) {
                        let start = reader.pos;
                        let tag = reader.tag();
                        if (tag === _end) {
                            _end = $undefined;
                            break;
                        }
                        let wireType = tag & 7;
                        switch (tag >>>= 3) {
                        case 1: {
                                if (wireType === 2) {
                                    if (!(message.kind && message.kind.length))
                                        message.kind = [];
                                    reader.uint32s(message.kind);
                                    continue;
                                }
                                if (wireType !== 0)
                                    break;
                                if (!(message.kind && message.kind.length))
                                    message.kind = [];
                                message.kind.push(reader.uint32());
                                continue;
                            }
                        case 2: {
                                if (wireType === 2) {
                                    if (!(message.tsDelta && message.tsDelta.length))
                                        message.tsDelta = [];
                                    reader.sint64s(message.tsDelta);
                                    continue;
                                }
                                if (wireType !== 0)
                                    break;
                                if (!(message.tsDelta && message.tsDelta.length))
                                    message.tsDelta = [];
                                message.tsDelta.push(reader.sint64());
                                continue;
                            }
                        case 3: {
                                if (wireType === 2) {
                                    if (!(message.fn && message.fn.length))
                                        message.fn = [];
                                    reader.uint32s(message.fn);
                                    continue;
                                }
                                if (wireType !== 0)
                                    break;
                                if (!(message.fn && message.fn.length))
                                    message.fn = [];
                                message.fn.push(reader.uint32());
                                continue;
                            }
                        case 4: {
                                if (wireType === 2) {
                                    if (!(message.espDelta && message.espDelta.length))
                                        message.espDelta = [];
                                    reader.sint32s(message.espDelta);
                                    continue;
                                }
                                if (wireType !== 0)
                                    break;
                                if (!(message.espDelta && message.espDelta.length))
                                    message.espDelta = [];
                                message.espDelta.push(reader.sint32());
                                continue;
                            }
                        case 5: {
                                if (wireType === 2) {
                                    if (!(message.value && message.value.length))
                                        message.value = [];
                                    reader.uint32s(message.value);
                                    continue;
                                }
                                if (wireType !== 0)
                                    break;
                                if (!(message.value && message.value.length))
                                    message.value = [];
                                message.value.push(reader.uint32());
                                continue;
                            }
                        case 6: {
                                if (wireType === 2) {
                                    if (!(message.args && message.args.length))
                                        message.args = [];
                                    reader.uint32s(message.args);
                                    continue;
                                }
                                if (wireType !== 0)
                                    break;
                                if (!(message.args && message.args.length))
                                    message.args = [];
                                message.args.push(reader.uint32());
                                continue;
                            }
                        }
                        reader.skipType(wireType, _depth, tag);
                        if (!reader.discardUnknown) {
                            $util.makeProp(message, "$unknowns", false);
                            (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                        }
                    }
                    if (length !== $undefined) {
                        if (reader.pos !== end)
                            throw $RangeError("index out of range");
                        reader.len = length;
                    }
                    if (_end !== $undefined)
                        throw $Error("missing end group");
                    return message;
                };

                return EventColumns;
            })();

            v1.ChunkIndex = (function() {

                /**
                 * Properties of a ChunkIndex.
                 * @typedef {Object} ntrace.trace.v1.ChunkIndex.$Properties
                 * @property {number|Long|null} [offset] ChunkIndex offset
                 * @property {number|null} [thread] ChunkIndex thread
                 * @property {number|null} [seq] ChunkIndex seq
                 * @property {number|null} [count] ChunkIndex count
                 * @property {number|Long|null} [firstTs] ChunkIndex firstTs
                 * @property {number|Long|null} [lastTs] ChunkIndex lastTs
                 * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
                 */

                /**
                 * Properties of a ChunkIndex.
                 * @memberof ntrace.trace.v1
                 * @interface IChunkIndex
                 * @augments ntrace.trace.v1.ChunkIndex.$Properties
                 * @deprecated Use ntrace.trace.v1.ChunkIndex.$Properties instead.
                 */

                /**
                 * Shape of a ChunkIndex.
                 * @typedef {ntrace.trace.v1.ChunkIndex.$Properties} ntrace.trace.v1.ChunkIndex.$Shape
                 */

                /**
                 * Constructs a new ChunkIndex.
                 * @memberof ntrace.trace.v1
                 * @classdesc Represents a ChunkIndex.
                 * @constructor
                 * @param {ntrace.trace.v1.ChunkIndex.$Properties=} [properties] Properties to set
                 * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
                 */
                const ChunkIndex = function (properties) {
                    if (properties)
                        for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                            if (properties[keys[i]] != null && keys[i] !== "__proto__")
                                this[keys[i]] = properties[keys[i]];
                };

                /**
                 * ChunkIndex offset.
                 * @member {number|Long} offset
                 * @memberof ntrace.trace.v1.ChunkIndex
                 * @instance
                 */
                ChunkIndex.prototype.offset = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

                /**
                 * ChunkIndex thread.
                 * @member {number} thread
                 * @memberof ntrace.trace.v1.ChunkIndex
                 * @instance
                 */
                ChunkIndex.prototype.thread = 0;

                /**
                 * ChunkIndex seq.
                 * @member {number} seq
                 * @memberof ntrace.trace.v1.ChunkIndex
                 * @instance
                 */
                ChunkIndex.prototype.seq = 0;

                /**
                 * ChunkIndex count.
                 * @member {number} count
                 * @memberof ntrace.trace.v1.ChunkIndex
                 * @instance
                 */
                ChunkIndex.prototype.count = 0;

                /**
                 * ChunkIndex firstTs.
                 * @member {number|Long} firstTs
                 * @memberof ntrace.trace.v1.ChunkIndex
                 * @instance
                 */
                ChunkIndex.prototype.firstTs = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

                /**
                 * ChunkIndex lastTs.
                 * @member {number|Long} lastTs
                 * @memberof ntrace.trace.v1.ChunkIndex
                 * @instance
                 */
                ChunkIndex.prototype.lastTs = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

                /**
                 * Creates a new ChunkIndex instance using the specified properties.
                 * @function create
                 * @memberof ntrace.trace.v1.ChunkIndex
                 * @static
                 * @param {ntrace.trace.v1.ChunkIndex.$Properties=} [properties] Properties to set
                 * @returns {ntrace.trace.v1.ChunkIndex} ChunkIndex instance
                 * @type {{
                 *   (properties: ntrace.trace.v1.ChunkIndex.$Shape): ntrace.trace.v1.ChunkIndex & ntrace.trace.v1.ChunkIndex.$Shape;
                 *   (properties?: ntrace.trace.v1.ChunkIndex.$Properties): ntrace.trace.v1.ChunkIndex;
                 * }}
                 */
                ChunkIndex.create = function(properties) {
                    return new ChunkIndex(properties);
                };

                /**
                 * Encodes the specified ChunkIndex message. Does not implicitly {@link ntrace.trace.v1.ChunkIndex.verify|verify} messages.
                 * @function encode
                 * @memberof ntrace.trace.v1.ChunkIndex
                 * @static
                 * @param {ntrace.trace.v1.ChunkIndex.$Properties} message ChunkIndex message or plain object to encode
                 * @param {$protobuf.Writer} [writer] Writer to encode to
                 * @returns {$protobuf.Writer} Writer
                 */
                ChunkIndex.encode = function (message, writer, _depth) {
                    if (!writer)
                        writer = $Writer.create();
                    if (_depth === $undefined)
                        _depth = 0;
                    if (_depth > $util.recursionLimit)
                        throw $Error("max depth exceeded");
                    if (message.offset != null && $Object.hasOwnProperty.call(message, "offset") && (typeof message.offset === "object" ? message.offset.low || message.offset.high : message.offset !== 0))
                        writer.uint32(/* id 1, wireType 0 =*/8).uint64(message.offset);
                    if (message.thread != null && $Object.hasOwnProperty.call(message, "thread") && message.thread !== 0)
                        writer.uint32(/* id 2, wireType 0 =*/16).uint32(message.thread);
                    if (message.seq != null && $Object.hasOwnProperty.call(message, "seq") && message.seq !== 0)
                        writer.uint32(/* id 3, wireType 0 =*/24).uint32(message.seq);
                    if (message.count != null && $Object.hasOwnProperty.call(message, "count") && message.count !== 0)
                        writer.uint32(/* id 4, wireType 0 =*/32).uint32(message.count);
                    if (message.firstTs != null && $Object.hasOwnProperty.call(message, "firstTs") && (typeof message.firstTs === "object" ? message.firstTs.low || message.firstTs.high : message.firstTs !== 0))
                        writer.uint32(/* id 5, wireType 0 =*/40).uint64(message.firstTs);
                    if (message.lastTs != null && $Object.hasOwnProperty.call(message, "lastTs") && (typeof message.lastTs === "object" ? message.lastTs.low || message.lastTs.high : message.lastTs !== 0))
                        writer.uint32(/* id 6, wireType 0 =*/48).uint64(message.lastTs);
                    if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                        for (let i = 0; i < message.$unknowns.length; ++i)
                            writer.raw(message.$unknowns[i]);
                    return writer;
                };

                /**
                 * Decodes a ChunkIndex message from the specified reader or buffer.
                 * @function decode
                 * @memberof ntrace.trace.v1.ChunkIndex
                 * @static
                 * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
                 * @param {number} [length] Message length if known beforehand
                 * @returns {ntrace.trace.v1.ChunkIndex & ntrace.trace.v1.ChunkIndex.$Shape} ChunkIndex
                 * @throws {Error} If the payload is not a reader or valid buffer
                 * @throws {$protobuf.util.ProtocolError} If required fields are missing
                 */
                ChunkIndex.decode = function (reader, length, _end, _depth, _target) {
                    if (!(reader instanceof $Reader))
                        reader = $Reader.create(reader);
                    if (_depth === $undefined)
                        _depth = 0;
                    if (_depth > $Reader.recursionLimit)
                        throw $Error("max depth exceeded");
                    let end, message, value;
                    if (length === $undefined)
                        end = reader.len;
                    else {
                        end = reader.pos + length;
                        if (end > reader.len)
                            throw $RangeError("index out of range");
                        length = reader.len;
                        reader.len = end;
                    }
                    message = _target || new $root.ntrace.trace.v1.ChunkIndex();
                    while (reader.pos < end) {
                        let start = reader.pos;
                        let tag = reader.tag();
                        if (tag === _end) {
                            _end = $undefined;
                            break;
                        }
                        let wireType = tag & 7;
                        switch (tag >>>= 3) {
                        case 1: {
                                if (wireType !== 0)
                                    break;
                                if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                                    message.offset = value;
                                else
                                    delete message.offset;
                                continue;
                            }
                        case 2: {
                                if (wireType !== 0)
                                    break;
                                if (value = reader.uint32())
                                    message.thread = value;
                                else
                                    delete message.thread;
                                continue;
                            }
                        case 3: {
                                if (wireType !== 0)
                                    break;
                                if (value = reader.uint32())
                                    message.seq = value;
                                else
                                    delete message.seq;
                                continue;
                            }
                        case 4: {
                                if (wireType !== 0)
                                    break;
                                if (value = reader.uint32())
                                    message.count = value;
                                else
                                    delete message.count;
                                continue;
                            }
                        case 5: {
                                if (wireType !== 0)
                                    break;
                                if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                                    message.firstTs = value;
                                else
                                    delete message.firstTs;
                                continue;
                            }
                        case 6: {
                                if (wireType !== 0)
                                    break;
                                if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                                    message.lastTs = value;
                                else
                                    delete message.lastTs;
                                continue;
                            }
                        }
                        reader.skipType(wireType, _depth, tag);
                        if (!reader.discardUnknown) {
                            $util.makeProp(message, "$unknowns", false);
                            (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                        }
                    }
                    if (length !== $undefined) {
                        if (reader.pos !== end)
                            throw $RangeError("index out of range");
                        reader.len = length;
                    }
                    if (_end !== $undefined)
                        throw $Error("missing end group");
                    return message;
                };

                return ChunkIndex;
            })();

            v1.RunSummary = (function() {

                /**
                 * Properties of a RunSummary.
                 * @typedef {Object} ntrace.trace.v1.RunSummary.$Properties
                 * @property {number|null} [exitCode] RunSummary exitCode
                 * @property {number|null} [result] RunSummary result
                 * @property {string|null} [failure] RunSummary failure
                 * @property {number|Long|null} [instructions] RunSummary instructions
                 * @property {number|Long|null} [elapsedNs] RunSummary elapsedNs
                 * @property {ntrace.trace.v1.Interruption.$Properties|null} [interrupted] RunSummary interrupted
                 * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
                 */

                /**
                 * Properties of a RunSummary.
                 * @memberof ntrace.trace.v1
                 * @interface IRunSummary
                 * @augments ntrace.trace.v1.RunSummary.$Properties
                 * @deprecated Use ntrace.trace.v1.RunSummary.$Properties instead.
                 */

                /**
                 * Shape of a RunSummary.
                 * @typedef {ntrace.trace.v1.RunSummary.$Properties} ntrace.trace.v1.RunSummary.$Shape
                 */

                /**
                 * Constructs a new RunSummary.
                 * @memberof ntrace.trace.v1
                 * @classdesc Represents a RunSummary.
                 * @constructor
                 * @param {ntrace.trace.v1.RunSummary.$Properties=} [properties] Properties to set
                 * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
                 */
                const RunSummary = function (properties) {
                    if (properties)
                        for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                            if (properties[keys[i]] != null && keys[i] !== "__proto__")
                                this[keys[i]] = properties[keys[i]];
                };

                /**
                 * RunSummary exitCode.
                 * @member {number|null|undefined} exitCode
                 * @memberof ntrace.trace.v1.RunSummary
                 * @instance
                 */
                RunSummary.prototype.exitCode = null;

                /**
                 * RunSummary result.
                 * @member {number|null|undefined} result
                 * @memberof ntrace.trace.v1.RunSummary
                 * @instance
                 */
                RunSummary.prototype.result = null;

                /**
                 * RunSummary failure.
                 * @member {string|null|undefined} failure
                 * @memberof ntrace.trace.v1.RunSummary
                 * @instance
                 */
                RunSummary.prototype.failure = null;

                /**
                 * RunSummary instructions.
                 * @member {number|Long} instructions
                 * @memberof ntrace.trace.v1.RunSummary
                 * @instance
                 */
                RunSummary.prototype.instructions = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

                /**
                 * RunSummary elapsedNs.
                 * @member {number|Long|null|undefined} elapsedNs
                 * @memberof ntrace.trace.v1.RunSummary
                 * @instance
                 */
                RunSummary.prototype.elapsedNs = null;

                /**
                 * RunSummary interrupted.
                 * @member {ntrace.trace.v1.Interruption.$Properties|null|undefined} interrupted
                 * @memberof ntrace.trace.v1.RunSummary
                 * @instance
                 */
                RunSummary.prototype.interrupted = null;

                // OneOf field names bound to virtual getters and setters
                let $oneOfFields;

                // Virtual OneOf for proto3 optional field
                $Object.defineProperty(RunSummary.prototype, "_exitCode", {
                    get: $util.oneOfGetter($oneOfFields = ["exitCode"]),
                    set: $util.oneOfSetter($oneOfFields)
                });

                // Virtual OneOf for proto3 optional field
                $Object.defineProperty(RunSummary.prototype, "_result", {
                    get: $util.oneOfGetter($oneOfFields = ["result"]),
                    set: $util.oneOfSetter($oneOfFields)
                });

                // Virtual OneOf for proto3 optional field
                $Object.defineProperty(RunSummary.prototype, "_failure", {
                    get: $util.oneOfGetter($oneOfFields = ["failure"]),
                    set: $util.oneOfSetter($oneOfFields)
                });

                // Virtual OneOf for proto3 optional field
                $Object.defineProperty(RunSummary.prototype, "_elapsedNs", {
                    get: $util.oneOfGetter($oneOfFields = ["elapsedNs"]),
                    set: $util.oneOfSetter($oneOfFields)
                });

                /**
                 * Creates a new RunSummary instance using the specified properties.
                 * @function create
                 * @memberof ntrace.trace.v1.RunSummary
                 * @static
                 * @param {ntrace.trace.v1.RunSummary.$Properties=} [properties] Properties to set
                 * @returns {ntrace.trace.v1.RunSummary} RunSummary instance
                 * @type {{
                 *   (properties: ntrace.trace.v1.RunSummary.$Shape): ntrace.trace.v1.RunSummary & ntrace.trace.v1.RunSummary.$Shape;
                 *   (properties?: ntrace.trace.v1.RunSummary.$Properties): ntrace.trace.v1.RunSummary;
                 * }}
                 */
                RunSummary.create = function(properties) {
                    return new RunSummary(properties);
                };

                /**
                 * Encodes the specified RunSummary message. Does not implicitly {@link ntrace.trace.v1.RunSummary.verify|verify} messages.
                 * @function encode
                 * @memberof ntrace.trace.v1.RunSummary
                 * @static
                 * @param {ntrace.trace.v1.RunSummary.$Properties} message RunSummary message or plain object to encode
                 * @param {$protobuf.Writer} [writer] Writer to encode to
                 * @returns {$protobuf.Writer} Writer
                 */
                RunSummary.encode = function (message, writer, _depth) {
                    if (!writer)
                        writer = $Writer.create();
                    if (_depth === $undefined)
                        _depth = 0;
                    if (_depth > $util.recursionLimit)
                        throw $Error("max depth exceeded");
                    if (message.exitCode != null && $Object.hasOwnProperty.call(message, "exitCode"))
                        writer.uint32(/* id 1, wireType 0 =*/8).uint32(message.exitCode);
                    if (message.result != null && $Object.hasOwnProperty.call(message, "result"))
                        writer.uint32(/* id 2, wireType 0 =*/16).uint32(message.result);
                    if (message.failure != null && $Object.hasOwnProperty.call(message, "failure"))
                        writer.uint32(/* id 3, wireType 2 =*/26).string(message.failure);
                    if (message.instructions != null && $Object.hasOwnProperty.call(message, "instructions") && (typeof message.instructions === "object" ? message.instructions.low || message.instructions.high : message.instructions !== 0))
                        writer.uint32(/* id 4, wireType 0 =*/32).uint64(message.instructions);
                    if (message.elapsedNs != null && $Object.hasOwnProperty.call(message, "elapsedNs"))
                        writer.uint32(/* id 5, wireType 0 =*/40).uint64(message.elapsedNs);
                    if (message.interrupted != null && $Object.hasOwnProperty.call(message, "interrupted"))
                        $root.ntrace.trace.v1.Interruption.encode(message.interrupted, writer.uint32(/* id 6, wireType 2 =*/50).fork(), _depth + 1).ldelim();
                    if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                        for (let i = 0; i < message.$unknowns.length; ++i)
                            writer.raw(message.$unknowns[i]);
                    return writer;
                };

                /**
                 * Decodes a RunSummary message from the specified reader or buffer.
                 * @function decode
                 * @memberof ntrace.trace.v1.RunSummary
                 * @static
                 * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
                 * @param {number} [length] Message length if known beforehand
                 * @returns {ntrace.trace.v1.RunSummary & ntrace.trace.v1.RunSummary.$Shape} RunSummary
                 * @throws {Error} If the payload is not a reader or valid buffer
                 * @throws {$protobuf.util.ProtocolError} If required fields are missing
                 */
                RunSummary.decode = function (reader, length, _end, _depth, _target) {
                    if (!(reader instanceof $Reader))
                        reader = $Reader.create(reader);
                    if (_depth === $undefined)
                        _depth = 0;
                    if (_depth > $Reader.recursionLimit)
                        throw $Error("max depth exceeded");
                    let end, message, value;
                    if (length === $undefined)
                        end = reader.len;
                    else {
                        end = reader.pos + length;
                        if (end > reader.len)
                            throw $RangeError("index out of range");
                        length = reader.len;
                        reader.len = end;
                    }
                    message = _target || new $root.ntrace.trace.v1.RunSummary();
                    while (reader.pos < end) {
                        let start = reader.pos;
                        let tag = reader.tag();
                        if (tag === _end) {
                            _end = $undefined;
                            break;
                        }
                        let wireType = tag & 7;
                        switch (tag >>>= 3) {
                        case 1: {
                                if (wireType !== 0)
                                    break;
                                message.exitCode = reader.uint32();
                                message._exitCode = "exitCode";
                                continue;
                            }
                        case 2: {
                                if (wireType !== 0)
                                    break;
                                message.result = reader.uint32();
                                message._result = "result";
                                continue;
                            }
                        case 3: {
                                if (wireType !== 2)
                                    break;
                                message.failure = reader.stringVerify();
                                message._failure = "failure";
                                continue;
                            }
                        case 4: {
                                if (wireType !== 0)
                                    break;
                                if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                                    message.instructions = value;
                                else
                                    delete message.instructions;
                                continue;
                            }
                        case 5: {
                                if (wireType !== 0)
                                    break;
                                message.elapsedNs = reader.uint64();
                                message._elapsedNs = "elapsedNs";
                                continue;
                            }
                        case 6: {
                                if (wireType !== 2)
                                    break;
                                message.interrupted = $root.ntrace.trace.v1.Interruption.decode(reader, reader.size(), $undefined, _depth + 1, message.interrupted);
                                continue;
                            }
                        }
                        reader.skipType(wireType, _depth, tag);
                        if (!reader.discardUnknown) {
                            $util.makeProp(message, "$unknowns", false);
                            (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                        }
                    }
                    if (length !== $undefined) {
                        if (reader.pos !== end)
                            throw $RangeError("index out of range");
                        reader.len = length;
                    }
                    if (_end !== $undefined)
                        throw $Error("missing end group");
                    return message;
                };

                return RunSummary;
            })();

            v1.Interruption = (function() {

                /**
                 * Properties of an Interruption.
                 * @typedef {Object} ntrace.trace.v1.Interruption.$Properties
                 * @property {string|null} [cause] Interruption cause
                 * @property {string|null} [reason] Interruption reason
                 * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
                 */

                /**
                 * Properties of an Interruption.
                 * @memberof ntrace.trace.v1
                 * @interface IInterruption
                 * @augments ntrace.trace.v1.Interruption.$Properties
                 * @deprecated Use ntrace.trace.v1.Interruption.$Properties instead.
                 */

                /**
                 * Shape of an Interruption.
                 * @typedef {ntrace.trace.v1.Interruption.$Properties} ntrace.trace.v1.Interruption.$Shape
                 */

                /**
                 * Constructs a new Interruption.
                 * @memberof ntrace.trace.v1
                 * @classdesc Represents an Interruption.
                 * @constructor
                 * @param {ntrace.trace.v1.Interruption.$Properties=} [properties] Properties to set
                 * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
                 */
                const Interruption = function (properties) {
                    if (properties)
                        for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                            if (properties[keys[i]] != null && keys[i] !== "__proto__")
                                this[keys[i]] = properties[keys[i]];
                };

                /**
                 * Interruption cause.
                 * @member {string} cause
                 * @memberof ntrace.trace.v1.Interruption
                 * @instance
                 */
                Interruption.prototype.cause = "";

                /**
                 * Interruption reason.
                 * @member {string} reason
                 * @memberof ntrace.trace.v1.Interruption
                 * @instance
                 */
                Interruption.prototype.reason = "";

                /**
                 * Creates a new Interruption instance using the specified properties.
                 * @function create
                 * @memberof ntrace.trace.v1.Interruption
                 * @static
                 * @param {ntrace.trace.v1.Interruption.$Properties=} [properties] Properties to set
                 * @returns {ntrace.trace.v1.Interruption} Interruption instance
                 * @type {{
                 *   (properties: ntrace.trace.v1.Interruption.$Shape): ntrace.trace.v1.Interruption & ntrace.trace.v1.Interruption.$Shape;
                 *   (properties?: ntrace.trace.v1.Interruption.$Properties): ntrace.trace.v1.Interruption;
                 * }}
                 */
                Interruption.create = function(properties) {
                    return new Interruption(properties);
                };

                /**
                 * Encodes the specified Interruption message. Does not implicitly {@link ntrace.trace.v1.Interruption.verify|verify} messages.
                 * @function encode
                 * @memberof ntrace.trace.v1.Interruption
                 * @static
                 * @param {ntrace.trace.v1.Interruption.$Properties} message Interruption message or plain object to encode
                 * @param {$protobuf.Writer} [writer] Writer to encode to
                 * @returns {$protobuf.Writer} Writer
                 */
                Interruption.encode = function (message, writer, _depth) {
                    if (!writer)
                        writer = $Writer.create();
                    if (_depth === $undefined)
                        _depth = 0;
                    if (_depth > $util.recursionLimit)
                        throw $Error("max depth exceeded");
                    if (message.cause != null && $Object.hasOwnProperty.call(message, "cause") && message.cause !== "")
                        writer.uint32(/* id 1, wireType 2 =*/10).string(message.cause);
                    if (message.reason != null && $Object.hasOwnProperty.call(message, "reason") && message.reason !== "")
                        writer.uint32(/* id 2, wireType 2 =*/18).string(message.reason);
                    if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                        for (let i = 0; i < message.$unknowns.length; ++i)
                            writer.raw(message.$unknowns[i]);
                    return writer;
                };

                /**
                 * Decodes an Interruption message from the specified reader or buffer.
                 * @function decode
                 * @memberof ntrace.trace.v1.Interruption
                 * @static
                 * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
                 * @param {number} [length] Message length if known beforehand
                 * @returns {ntrace.trace.v1.Interruption & ntrace.trace.v1.Interruption.$Shape} Interruption
                 * @throws {Error} If the payload is not a reader or valid buffer
                 * @throws {$protobuf.util.ProtocolError} If required fields are missing
                 */
                Interruption.decode = function (reader, length, _end, _depth, _target) {
                    if (!(reader instanceof $Reader))
                        reader = $Reader.create(reader);
                    if (_depth === $undefined)
                        _depth = 0;
                    if (_depth > $Reader.recursionLimit)
                        throw $Error("max depth exceeded");
                    let end, message, value;
                    if (length === $undefined)
                        end = reader.len;
                    else {
                        end = reader.pos + length;
                        if (end > reader.len)
                            throw $RangeError("index out of range");
                        length = reader.len;
                        reader.len = end;
                    }
                    message = _target || new $root.ntrace.trace.v1.Interruption();
                    while (reader.pos < end) {
                        let start = reader.pos;
                        let tag = reader.tag();
                        if (tag === _end) {
                            _end = $undefined;
                            break;
                        }
                        let wireType = tag & 7;
                        switch (tag >>>= 3) {
                        case 1: {
                                if (wireType !== 2)
                                    break;
                                if ((value = reader.stringVerify()).length)
                                    message.cause = value;
                                else
                                    delete message.cause;
                                continue;
                            }
                        case 2: {
                                if (wireType !== 2)
                                    break;
                                if ((value = reader.stringVerify()).length)
                                    message.reason = value;
                                else
                                    delete message.reason;
                                continue;
                            }
                        }
                        reader.skipType(wireType, _depth, tag);
                        if (!reader.discardUnknown) {
                            $util.makeProp(message, "$unknowns", false);
                            (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                        }
                    }
                    if (length !== $undefined) {
                        if (reader.pos !== end)
                            throw $RangeError("index out of range");
                        reader.len = length;
                    }
                    if (_end !== $undefined)
                        throw $Error("missing end group");
                    return message;
                };

                return Interruption;
            })();

            v1.Footer = (function() {

                /**
                 * Properties of a Footer.
                 * @typedef {Object} ntrace.trace.v1.Footer.$Properties
                 * @property {Array.<number|Long>|null} [moduleOffsets] Footer moduleOffsets
                 * @property {Array.<number|Long>|null} [threadOffsets] Footer threadOffsets
                 * @property {Array.<ntrace.trace.v1.ChunkIndex.$Properties>|null} [chunks] Footer chunks
                 * @property {number|Long|null} [totalEvents] Footer totalEvents
                 * @property {ntrace.trace.v1.RunSummary.$Properties|null} [run] Footer run
                 * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
                 */

                /**
                 * Properties of a Footer.
                 * @memberof ntrace.trace.v1
                 * @interface IFooter
                 * @augments ntrace.trace.v1.Footer.$Properties
                 * @deprecated Use ntrace.trace.v1.Footer.$Properties instead.
                 */

                /**
                 * Shape of a Footer.
                 * @typedef {ntrace.trace.v1.Footer.$Properties} ntrace.trace.v1.Footer.$Shape
                 */

                /**
                 * Constructs a new Footer.
                 * @memberof ntrace.trace.v1
                 * @classdesc Represents a Footer.
                 * @constructor
                 * @param {ntrace.trace.v1.Footer.$Properties=} [properties] Properties to set
                 * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
                 */
                const Footer = function (properties) {
                    this.moduleOffsets = [];
                    this.threadOffsets = [];
                    this.chunks = [];
                    if (properties)
                        for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                            if (properties[keys[i]] != null && keys[i] !== "__proto__")
                                this[keys[i]] = properties[keys[i]];
                };

                /**
                 * Footer moduleOffsets.
                 * @member {Array.<number|Long>} moduleOffsets
                 * @memberof ntrace.trace.v1.Footer
                 * @instance
                 */
                Footer.prototype.moduleOffsets = $util.emptyArray;

                /**
                 * Footer threadOffsets.
                 * @member {Array.<number|Long>} threadOffsets
                 * @memberof ntrace.trace.v1.Footer
                 * @instance
                 */
                Footer.prototype.threadOffsets = $util.emptyArray;

                /**
                 * Footer chunks.
                 * @member {Array.<ntrace.trace.v1.ChunkIndex.$Properties>} chunks
                 * @memberof ntrace.trace.v1.Footer
                 * @instance
                 */
                Footer.prototype.chunks = $util.emptyArray;

                /**
                 * Footer totalEvents.
                 * @member {number|Long} totalEvents
                 * @memberof ntrace.trace.v1.Footer
                 * @instance
                 */
                Footer.prototype.totalEvents = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

                /**
                 * Footer run.
                 * @member {ntrace.trace.v1.RunSummary.$Properties|null|undefined} run
                 * @memberof ntrace.trace.v1.Footer
                 * @instance
                 */
                Footer.prototype.run = null;

                /**
                 * Creates a new Footer instance using the specified properties.
                 * @function create
                 * @memberof ntrace.trace.v1.Footer
                 * @static
                 * @param {ntrace.trace.v1.Footer.$Properties=} [properties] Properties to set
                 * @returns {ntrace.trace.v1.Footer} Footer instance
                 * @type {{
                 *   (properties: ntrace.trace.v1.Footer.$Shape): ntrace.trace.v1.Footer & ntrace.trace.v1.Footer.$Shape;
                 *   (properties?: ntrace.trace.v1.Footer.$Properties): ntrace.trace.v1.Footer;
                 * }}
                 */
                Footer.create = function(properties) {
                    return new Footer(properties);
                };

                /**
                 * Encodes the specified Footer message. Does not implicitly {@link ntrace.trace.v1.Footer.verify|verify} messages.
                 * @function encode
                 * @memberof ntrace.trace.v1.Footer
                 * @static
                 * @param {ntrace.trace.v1.Footer.$Properties} message Footer message or plain object to encode
                 * @param {$protobuf.Writer} [writer] Writer to encode to
                 * @returns {$protobuf.Writer} Writer
                 */
                Footer.encode = function (message, writer, _depth) {
                    if (!writer)
                        writer = $Writer.create();
                    if (_depth === $undefined)
                        _depth = 0;
                    if (_depth > $util.recursionLimit)
                        throw $Error("max depth exceeded");
                    if (message.moduleOffsets != null && message.moduleOffsets.length)
                        writer.uint32(/* id 1, wireType 2 =*/10).uint64s(message.moduleOffsets);
                    if (message.threadOffsets != null && message.threadOffsets.length)
                        writer.uint32(/* id 2, wireType 2 =*/18).uint64s(message.threadOffsets);
                    if (message.chunks != null && message.chunks.length)
                        for (let i = 0; i < message.chunks.length; ++i)
                            $root.ntrace.trace.v1.ChunkIndex.encode(message.chunks[i], writer.uint32(/* id 3, wireType 2 =*/26).fork(), _depth + 1).ldelim();
                    if (message.totalEvents != null && $Object.hasOwnProperty.call(message, "totalEvents") && (typeof message.totalEvents === "object" ? message.totalEvents.low || message.totalEvents.high : message.totalEvents !== 0))
                        writer.uint32(/* id 4, wireType 0 =*/32).uint64(message.totalEvents);
                    if (message.run != null && $Object.hasOwnProperty.call(message, "run"))
                        $root.ntrace.trace.v1.RunSummary.encode(message.run, writer.uint32(/* id 5, wireType 2 =*/42).fork(), _depth + 1).ldelim();
                    if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                        for (let i = 0; i < message.$unknowns.length; ++i)
                            writer.raw(message.$unknowns[i]);
                    return writer;
                };

                /**
                 * Decodes a Footer message from the specified reader or buffer.
                 * @function decode
                 * @memberof ntrace.trace.v1.Footer
                 * @static
                 * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
                 * @param {number} [length] Message length if known beforehand
                 * @returns {ntrace.trace.v1.Footer & ntrace.trace.v1.Footer.$Shape} Footer
                 * @throws {Error} If the payload is not a reader or valid buffer
                 * @throws {$protobuf.util.ProtocolError} If required fields are missing
                 */
                Footer.decode = function (reader, length, _end, _depth, _target) {
                    if (!(reader instanceof $Reader))
                        reader = $Reader.create(reader);
                    if (_depth === $undefined)
                        _depth = 0;
                    if (_depth > $Reader.recursionLimit)
                        throw $Error("max depth exceeded");
                    let end, message, value;
                    if (length === $undefined)
                        end = reader.len;
                    else {
                        end = reader.pos + length;
                        if (end > reader.len)
                            throw $RangeError("index out of range");
                        length = reader.len;
                        reader.len = end;
                    }
                    message = _target || new $root.ntrace.trace.v1.Footer();
                    while (reader.pos < end) {
                        let start = reader.pos;
                        let tag = reader.tag();
                        if (tag === _end) {
                            _end = $undefined;
                            break;
                        }
                        let wireType = tag & 7;
                        switch (tag >>>= 3) {
                        case 1: {
                                if (wireType === 2) {
                                    if (!(message.moduleOffsets && message.moduleOffsets.length))
                                        message.moduleOffsets = [];
                                    reader.uint64s(message.moduleOffsets);
                                    continue;
                                }
                                if (wireType !== 0)
                                    break;
                                if (!(message.moduleOffsets && message.moduleOffsets.length))
                                    message.moduleOffsets = [];
                                message.moduleOffsets.push(reader.uint64());
                                continue;
                            }
                        case 2: {
                                if (wireType === 2) {
                                    if (!(message.threadOffsets && message.threadOffsets.length))
                                        message.threadOffsets = [];
                                    reader.uint64s(message.threadOffsets);
                                    continue;
                                }
                                if (wireType !== 0)
                                    break;
                                if (!(message.threadOffsets && message.threadOffsets.length))
                                    message.threadOffsets = [];
                                message.threadOffsets.push(reader.uint64());
                                continue;
                            }
                        case 3: {
                                if (wireType !== 2)
                                    break;
                                if (!(message.chunks && message.chunks.length))
                                    message.chunks = [];
                                message.chunks.push($root.ntrace.trace.v1.ChunkIndex.decode(reader, reader.size(), $undefined, _depth + 1));
                                continue;
                            }
                        case 4: {
                                if (wireType !== 0)
                                    break;
                                if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                                    message.totalEvents = value;
                                else
                                    delete message.totalEvents;
                                continue;
                            }
                        case 5: {
                                if (wireType !== 2)
                                    break;
                                message.run = $root.ntrace.trace.v1.RunSummary.decode(reader, reader.size(), $undefined, _depth + 1, message.run);
                                continue;
                            }
                        }
                        reader.skipType(wireType, _depth, tag);
                        if (!reader.discardUnknown) {
                            $util.makeProp(message, "$unknowns", false);
                            (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                        }
                    }
                    if (length !== $undefined) {
                        if (reader.pos !== end)
                            throw $RangeError("index out of range");
                        reader.len = length;
                    }
                    if (_end !== $undefined)
                        throw $Error("missing end group");
                    return message;
                };

                return Footer;
            })();

            return v1;
        })();

        return trace;
    })();

    return ntrace;
})();

export {
  $root as default
};
