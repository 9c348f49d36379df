import protobuf from 'protobufjs';

/*
 * The OTLP/HTTP request and response messages this receiver decodes and answers, written from the
 * OpenTelemetry protocol's message definitions (opentelemetry-proto, v1: common, resource, metrics,
 * logs, collector services). Field names and numbers are the protocol's; only what the receiver
 * reads is declared, and protobuf skips undeclared fields (histograms, exemplars, trace ids), so
 * every valid OTLP message decodes.
 */
const OTLP_DEFINITIONS = `
syntax = "proto3";
package otlp;

message AnyValue {
  oneof value {
    string string_value = 1;
    bool bool_value = 2;
    int64 int_value = 3;
    double double_value = 4;
    ArrayValue array_value = 5;
    KeyValueList kvlist_value = 6;
    bytes bytes_value = 7;
  }
}
message ArrayValue { repeated AnyValue values = 1; }
message KeyValueList { repeated KeyValue values = 1; }
message KeyValue { string key = 1; AnyValue value = 2; }
message InstrumentationScope {
  string name = 1;
  string version = 2;
  repeated KeyValue attributes = 3;
  uint32 dropped_attributes_count = 4;
}
message Resource {
  repeated KeyValue attributes = 1;
  uint32 dropped_attributes_count = 2;
}

enum AggregationTemporality {
  AGGREGATION_TEMPORALITY_UNSPECIFIED = 0;
  AGGREGATION_TEMPORALITY_DELTA = 1;
  AGGREGATION_TEMPORALITY_CUMULATIVE = 2;
}
message NumberDataPoint {
  repeated KeyValue attributes = 7;
  fixed64 start_time_unix_nano = 2;
  fixed64 time_unix_nano = 3;
  oneof value {
    double as_double = 4;
    sfixed64 as_int = 6;
  }
  uint32 flags = 8;
}
message Gauge { repeated NumberDataPoint data_points = 1; }
message Sum {
  repeated NumberDataPoint data_points = 1;
  AggregationTemporality aggregation_temporality = 2;
  bool is_monotonic = 3;
}
message Metric {
  string name = 1;
  string description = 2;
  string unit = 3;
  oneof data {
    Gauge gauge = 5;
    Sum sum = 7;
  }
}
message ScopeMetrics {
  InstrumentationScope scope = 1;
  repeated Metric metrics = 2;
  string schema_url = 3;
}
message ResourceMetrics {
  Resource resource = 1;
  repeated ScopeMetrics scope_metrics = 2;
  string schema_url = 3;
}

message LogRecord {
  fixed64 time_unix_nano = 1;
  fixed64 observed_time_unix_nano = 11;
  int32 severity_number = 2;
  string severity_text = 3;
  AnyValue body = 5;
  repeated KeyValue attributes = 6;
  uint32 dropped_attributes_count = 7;
  fixed32 flags = 8;
  string event_name = 12;
}
message ScopeLogs {
  InstrumentationScope scope = 1;
  repeated LogRecord log_records = 2;
  string schema_url = 3;
}
message ResourceLogs {
  Resource resource = 1;
  repeated ScopeLogs scope_logs = 2;
  string schema_url = 3;
}

message ExportMetricsServiceRequest { repeated ResourceMetrics resource_metrics = 1; }
message ExportMetricsPartialSuccess { int64 rejected_data_points = 1; string error_message = 2; }
message ExportMetricsServiceResponse { ExportMetricsPartialSuccess partial_success = 1; }

message ExportLogsServiceRequest { repeated ResourceLogs resource_logs = 1; }
message ExportLogsPartialSuccess { int64 rejected_log_records = 1; string error_message = 2; }
message ExportLogsServiceResponse { ExportLogsPartialSuccess partial_success = 1; }

// google.rpc.Status: the body of every OTLP/HTTP 4xx and 5xx answer (details are never sent).
message Status {
  int32 code = 1;
  string message = 2;
}
`;

const root = protobuf.parse(OTLP_DEFINITIONS, { keepCase: false }).root;
root.resolveAll();

/**
 * How many messages a protobuf body holds (counting stops past `limit`), walking the wire format
 * without building anything. A body that does not parse is left to `decode` to refuse.
 */
export function countMessages(type: protobuf.Type, body: Uint8Array, limit: number): number {
  const reader = protobuf.Reader.create(body);
  const stack: { type: protobuf.Type; end: number }[] = [{ type, end: body.length }];
  let count = 0;
  try {
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      if (reader.pos >= top.end) {
        stack.pop();
        continue;
      }
      const tag = reader.uint32();
      const field = top.type.fieldsById[tag >>> 3];
      const message = field?.resolvedType instanceof protobuf.Type ? field.resolvedType : undefined;
      if (message && (tag & 7) === 2) {
        const end = reader.uint32() + reader.pos;
        if (end > top.end || ++count > limit) return count;
        stack.push({ type: message, end });
      } else {
        reader.skipType(tag & 7);
      }
    }
  } catch {
    // Malformed: decode says why.
  }
  return count;
}

export const otlpTypes = {
  metricsRequest: root.lookupType('otlp.ExportMetricsServiceRequest'),
  metricsResponse: root.lookupType('otlp.ExportMetricsServiceResponse'),
  logsRequest: root.lookupType('otlp.ExportLogsServiceRequest'),
  logsResponse: root.lookupType('otlp.ExportLogsServiceResponse'),
  status: root.lookupType('otlp.Status'),
};
