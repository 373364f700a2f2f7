#include "app/opcua_cert_command.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <CLI/CLI.hpp>
#include <cstdio>

#include "field/opcua/certificate_store.h"

namespace gantry {

void OpcUaCertCli::Register(CLI::App& app) {
  CLI::App* opcua = nullptr;
  try {
    opcua = app.get_subcommand("opcua");
  } catch (const CLI::OptionNotFound&) {
    opcua = app.add_subcommand("opcua", "OPC UA commissioning tools");
    opcua->require_subcommand(1);
  }
  cert_ = opcua->add_subcommand(
      "cert", "Create the OPC UA application instance certificate and the trust-list folders");
  cert_->add_option("--uri", uri_, "ApplicationUri, as in the configuration (e.g. urn:acme:gantry)")
      ->required();
  cert_->add_option("--out,-o", out_, "PKI folder: own/, trusted/, rejected/")->required();
  cert_->add_option("--name", name_, "Subject common name (default Gantry)");
  cert_->add_option("--organization", organization_, "Subject organization (default Gantry)");
  cert_->add_option("--host", hosts_,
                    "DNS name or IPv4 address of this machine (repeatable; default: hostname, "
                    "localhost, 127.0.0.1)");
  cert_->add_option("--days", days_, "Validity in days (default 730)")->check(CLI::Range(1, 7300));
  cert_->add_option("--key-bits", key_bits_, "RSA key size (default 2048)")
      ->check(CLI::IsMember({2048, 3072, 4096}));
  cert_->add_flag("--force", force_, "Replace an existing certificate and key");
}

std::optional<int> OpcUaCertCli::Run() {
  if (cert_ == nullptr || !*cert_) return std::nullopt;
  opcua::CertificateRequest request;
  request.application_uri = uri_;
  request.common_name = name_;
  request.organization = organization_;
  request.hostnames = hosts_;
  request.valid_days = days_;
  request.key_bits = key_bits_;
  auto made = opcua::CreateApplicationCertificate(request, out_, force_);
  if (!made.ok()) {
    std::fprintf(stderr, "gantry opcua cert: %s\n", made.status().ToString().c_str());
    return made.status().code() == StatusCode::kAlreadyExists ? 2 : 1;
  }
  const opcua::PkiPaths paths = opcua::PkiLayout(out_);
  std::printf("%s",
              fmt::format("certificate  {}\n"
                          "private key  {} (keep it secret)\n"
                          "subject      {}\n"
                          "uri          {}\n"
                          "hosts        {}\n"
                          "valid until  {}\n"
                          "thumbprint   {}\n"
                          "Next: give {} to the server's administrator to trust Gantry; put the "
                          "server's certificate into {}/ (or connect once and move it there from "
                          "{}/).\n",
                          paths.own_certificate, paths.own_key, made->Subject(),
                          fmt::join(made->Uris(), ", "), fmt::join(made->Hostnames(), ", "),
                          FormatIso8601(made->not_after()), made->ThumbprintHex(),
                          paths.own_certificate, paths.trusted, paths.rejected)
                  .c_str());
  return 0;
}

}  // namespace gantry
