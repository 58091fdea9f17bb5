// POST /v1/logs and /v1/metrics: OTLP/HTTP (proto/otlp.md). The body is
// inflated when gzip (capped), decoded whole (common/otlp), and its records
// appended to the spool in one write before the 200: a refused request
// stores nothing, an accepted one is on disk.
#include "common/base/clock.h"
#include "common/gateway/ingest_spool.h"
#include "common/gateway/rest_handlers.h"
#include "common/http/body_decoding.h"
#include "common/http/request_policy.h"
#include "common/json/json.h"
#include "common/otlp/otlp.h"

namespace trace {

namespace {

// gRPC status codes the OTLP error bodies carry (google.rpc.Status.code).
constexpr int kGrpcInvalidArgument = 3;
constexpr int kGrpcResourceExhausted = 8;
constexpr int kGrpcUnavailable = 14;

// An OTLP error: status with our {"error": {...}} body plus the
// google.rpc.Status fields "code" and "message" OTLP clients read; in
// protobuf the Status message itself.
http::Response OtlpError(otlp::Encoding enc, int status, std::string_view code, int grpc_code,
                         std::string_view message) {
  std::string text = json::SanitizeUtf8(message);
  if (enc == otlp::Encoding::kProtobuf) {
    http::Response r;
    r.status = status;
    r.content_type = std::string(otlp::MediaType(enc));
    r.body = otlp::EncodeStatus(grpc_code, text);
    return r;
  }
  // Our error object, reopened for the two Status members after it.
  http::Response r = http::Error(status, code, text);
  json::StringWriter w;
  w.StartObject();
  w.Key("code");
  w.Int64(grpc_code);
  w.Key("message");
  w.String(text);
  w.EndObject();
  r.body.back() = ',';
  r.body.append(w.View().substr(1));
  return r;
}

http::Response Export(GatewayContext* ctx, const http::Request& req, otlp::Signal signal) {
  otlp::Encoding enc = http::IsProtobufMediaType(req.content_type) ? otlp::Encoding::kProtobuf
                                                                   : otlp::Encoding::kJson;
  if (!ctx->spool) {
    return OtlpError(enc, 503, "ingest_disabled", kGrpcUnavailable, "ingest spool not configured");
  }
  std::string inflated;
  std::string_view body = req.body;
  if (http::IsGzipEncoding(req.content_encoding)) {
    Result<http::Inflated> in = http::Gunzip(req.body, ctx->max_body);
    if (!in.ok())
      return OtlpError(enc, 400, "bad_request", kGrpcInvalidArgument, in.status().message());
    if (in->too_large) {
      return OtlpError(enc, 413, "body_too_large", kGrpcResourceExhausted,
                       "inflated body larger than " + std::to_string(ctx->max_body) + " bytes");
    }
    inflated = std::move(in->body);
    body = inflated;
  }
  Result<otlp::ExportResult> decoded = otlp::DecodeExport(signal, enc, body, NowMs());
  if (!decoded.ok()) {
    return OtlpError(enc, 400, "bad_request", kGrpcInvalidArgument, decoded.status().message());
  }
  if (Status s = ctx->spool->AppendRecords(decoded->records); !s.ok()) {
    return OtlpError(enc, 503, "spool_unavailable", kGrpcUnavailable, s.message());
  }
  http::Response r;
  r.content_type = std::string(otlp::MediaType(enc));
  r.body = otlp::EncodeResponse(signal, enc, decoded->rejected, decoded->rejected_reason);
  return r;
}

http::Response Logs(GatewayContext* ctx, const http::Request& req) {
  return Export(ctx, req, otlp::Signal::kLogs);
}

http::Response MetricsExport(GatewayContext* ctx, const http::Request& req) {
  return Export(ctx, req, otlp::Signal::kMetrics);
}

}  // namespace

void AddOtlpRoutes(http::Router* router, GatewayContext* ctx) {
  router->Add("POST", "/v1/logs", Bind(ctx, Logs));
  router->Add("POST", "/v1/metrics", Bind(ctx, MetricsExport));
}

}  // namespace trace
