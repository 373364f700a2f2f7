// Helpers for integration tests that start `gantry demo`: the port from its banner, and a site
// time zone in which the demo line is mid-shift now, so a test does not depend on the time of day.
//   text.replace(zone_at, 23, "timezone: " + testing::SiteZoneWhereItIsSevenNow());
#pragma once

#include <string>

namespace gantry::testing {

// The API port from "Gantry is running: http(s)://127.0.0.1:PORT/" in `output`; 0 if absent.
int PortFromBanner(const std::string& output);

// An IANA whole-hour UTC offset zone (Etc/GMT-5 is UTC+5) in which it is now 07:MM: mid early
// shift in the demo calendar, hours from its 10:00 break, 05:00 cleaning and 13:30 changeover.
std::string SiteZoneWhereItIsSevenNow();

// config/demo-plant.yaml with its site moved to SiteZoneWhereItIsSevenNow(); empty if the file
// or its `timezone: Europe/Berlin` line is missing.
std::string DemoPlantYamlMidShift();

}  // namespace gantry::testing
