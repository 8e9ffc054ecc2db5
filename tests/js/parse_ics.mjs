// Parse an iCalendar file with ical.js (the parser of Thunderbird and many web
// calendars) and print a JSON summary, so Python tests can check that another
// implementation than `icalendar` reads our feeds the same way.
//
// Usage: node tests/js/parse_ics.mjs <file.ics>
// Exit status 1 (and the error on stderr) if the file does not parse.

import { readFileSync } from "node:fs";
import ICAL from "ical.js";

const path = process.argv[2];
if (!path) {
  console.error("usage: node parse_ics.mjs <file.ics>");
  process.exit(2);
}

try {
  const calendar = new ICAL.Component(ICAL.parse(readFileSync(path, "utf8")));
  if (calendar.name !== "vcalendar") {
    throw new Error(`expected a VCALENDAR, got ${calendar.name}`);
  }
  const timezones = calendar.getAllSubcomponents("vtimezone").map((vtimezone) => {
    // Registered so that event times below are resolved with *our* VTIMEZONE.
    const zone = new ICAL.Timezone(vtimezone);
    ICAL.TimezoneService.register(zone.tzid, zone);
    return zone.tzid;
  });
  const events = calendar.getAllSubcomponents("vevent").map((vevent) => {
    const event = new ICAL.Event(vevent);
    const dtstart = vevent.getFirstProperty("dtstart");
    return {
      uid: event.uid,
      summary: event.summary,
      status: vevent.getFirstPropertyValue("status"),
      sequence: event.sequence,
      tzid: dtstart.getParameter("tzid") ?? null,
      all_day: event.startDate.isDate,
      start: event.startDate.isDate ? event.startDate.toString() : event.startDate.toJSDate().toISOString(),
      end: event.endDate.isDate ? event.endDate.toString() : event.endDate.toJSDate().toISOString(),
    };
  });
  console.log(
    JSON.stringify({
      method: calendar.getFirstPropertyValue("method"),
      version: calendar.getFirstPropertyValue("version"),
      prodid: calendar.getFirstPropertyValue("prodid"),
      name: calendar.getFirstPropertyValue("x-wr-calname"),
      timezones,
      events,
    }),
  );
} catch (error) {
  console.error(`${path}: ${error.message}`);
  process.exit(1);
}
