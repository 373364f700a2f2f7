#include "enterprise/b2mml_performance.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <pugixml.hpp>
#include <sstream>

#include "enterprise/actuals.h"
#include "enterprise/http_client.h"

namespace gantry::enterprise {
namespace {

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

void Text(pugi::xml_node parent, const char* name, const std::string& value) {
  parent.append_child(name).text().set(value.c_str());
}

void Quantity(pugi::xml_node parent, double q, const std::string& unit, const char* key) {
  pugi::xml_node n = parent.append_child("Quantity");
  Text(n, "QuantityString", Num(q));
  Text(n, "DataType", "double");
  Text(n, "UnitOfMeasure", unit);
  if (key) Text(n, "Key", key);
}

void SegmentData(pugi::xml_node parent, const std::string& id, const std::string& value,
                 const char* unit) {
  pugi::xml_node d = parent.append_child("SegmentData");
  Text(d, "ID", id);
  pugi::xml_node v = d.append_child("Value");
  Text(v, "ValueString", value);
  Text(v, "DataType", "double");
  Text(v, "UnitOfMeasure", unit);
}

class FolderTarget final : public ErpAdapter {
 public:
  explicit FolderTarget(std::string folder) : folder_(std::move(folder)) {}
  DeliveryResult Deliver(const OutboxMessage& m) override {
    auto xml = ProductionPerformanceXml(m);
    if (!xml.ok()) return VerdictFromStatus(xml.status());
    const std::string path = folder_ + "/" + m.idempotency_key + ".xml";
    const std::string tmp = path + ".tmp";
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      out << *xml;
      out.flush();
      if (!out) return {DeliveryVerdict::kRetry, "cannot write " + tmp};
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0)
      return {DeliveryVerdict::kRetry, "cannot rename " + tmp + " to " + path};
    return {DeliveryVerdict::kAcknowledged, "written " + path};
  }

 private:
  std::string folder_;
};

class HttpTarget final : public ErpAdapter {
 public:
  HttpTarget(HttpEndpoint endpoint, std::string path)
      : path_(std::move(path)), http_(std::move(endpoint)) {}
  DeliveryResult Deliver(const OutboxMessage& m) override {
    auto xml = ProductionPerformanceXml(m);
    if (!xml.ok()) return VerdictFromStatus(xml.status());
    auto r = http_.Post(
        path_, *xml, {{"Content-Type", "application/xml"}, {"Idempotency-Key", m.idempotency_key}});
    if (!r.ok()) return VerdictFromStatus(r.status());
    Status s = StatusFromHttp(*r);
    if (!s.ok()) return VerdictFromStatus(s);
    return {DeliveryVerdict::kAcknowledged, "HTTP " + std::to_string(r->status)};
  }

 private:
  std::string path_;
  HttpClient http_;
};

}  // namespace

Result<std::string> ProductionPerformanceXml(const OutboxMessage& m) {
  GANTRY_ASSIGN_OR_RETURN(OrderActuals a, ActualsFromJson(m.payload));
  pugi::xml_document doc;
  pugi::xml_node decl = doc.append_child(pugi::node_declaration);
  decl.append_attribute("version") = "1.0";
  decl.append_attribute("encoding") = "UTF-8";
  pugi::xml_node root = doc.append_child("ProductionPerformance");
  root.append_attribute("xmlns") = "http://www.mesa.org/xml/B2MML";
  Text(root, "ID", m.idempotency_key);
  // A correction replaces the whole earlier document (complete figures, not a delta): a receiver
  // that books "set to" by order applies it like any later message; Description says which one.
  Text(root, "Description",
       m.kind + " " + std::to_string(m.sequence) + " of " + a.order_key +
           (a.correction > 0
                ? ": correction " + std::to_string(a.correction) + ", replaces " + a.corrects
                : std::string()));
  Text(root, "PublishedDate", FormatIso8601(m.enqueued_at));
  pugi::xml_node resp = root.append_child("ProductionResponse");
  Text(resp, "ID", a.order_key);
  Text(resp, "ProductionRequestID", a.external_id);
  if (a.from) Text(resp, "StartTime", FormatIso8601(a.from));
  if (a.to) Text(resp, "EndTime", FormatIso8601(a.to));
  Text(resp, "ResponseState", a.final ? "Completed" : "Running");
  pugi::xml_node seg = resp.append_child("SegmentResponse");
  Text(seg, "ID", "1");
  if (a.from) Text(seg, "ActualStartTime", FormatIso8601(a.from));
  if (a.to) Text(seg, "ActualEndTime", FormatIso8601(a.to));
  pugi::xml_node good = seg.append_child("MaterialProducedActual");
  Text(good, "MaterialDefinitionID", a.product);
  Quantity(good, a.good, a.unit, "good");
  pugi::xml_node scrap = seg.append_child("MaterialProducedActual");
  Text(scrap, "MaterialDefinitionID", a.product);
  Quantity(scrap, a.scrap, a.unit, "scrap");
  for (const ScrapLine& s : a.scrap_by_reason)
    Quantity(scrap, s.quantity, a.unit, ("scrap/" + s.reason).c_str());
  for (const ConsumptionLine& c : a.consumption) {
    pugi::xml_node used = seg.append_child("MaterialConsumedActual");
    Text(used, "MaterialDefinitionID", c.material);
    Quantity(used, c.quantity, c.unit, c.measured ? "measured" : "planned");
    if (c.measured) Quantity(used, c.planned, c.unit, "planned");  // the BOM's, beside it
  }
  SegmentData(seg, "RunTime", Num(static_cast<double>(a.run_time) / kSecond), "s");
  for (const DowntimeLine& d : a.downtime)
    SegmentData(seg, "Downtime/" + d.reason, Num(static_cast<double>(d.duration) / kSecond), "s");
  SegmentData(seg, "Energy", Num(a.energy_kwh), "kWh");
  if (!a.currency.empty()) SegmentData(seg, "EnergyCost", Num(a.energy_cost), a.currency.c_str());
  if (a.correction > 0) {
    SegmentData(seg, "Correction", std::to_string(a.correction), "");
    pugi::xml_node d = seg.append_child("SegmentData");
    Text(d, "ID", "Replaces");
    pugi::xml_node v = d.append_child("Value");
    Text(v, "ValueString", a.corrects);
    Text(v, "DataType", "string");
  }
  std::ostringstream out;
  doc.save(out, "  ", pugi::format_indent, pugi::encoding_utf8);
  return out.str();
}

Result<std::unique_ptr<ErpAdapter>> MakeB2mmlPerformanceAdapter(const B2mmlOutSettings& s) {
  if (!s.folder.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(s.folder, ec);
    if (ec) return IoError("B2MML folder " + s.folder + ": " + ec.message());
    return std::unique_ptr<ErpAdapter>(std::make_unique<FolderTarget>(s.folder));
  }
  GANTRY_ASSIGN_OR_RETURN(auto url, ParseHttpUrl(s.url));
  url.first.ca_file = s.ca_file;
  return std::unique_ptr<ErpAdapter>(std::make_unique<HttpTarget>(url.first, url.second));
}

}  // namespace gantry::enterprise
