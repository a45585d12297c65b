// Package mapping turns spreadsheet rows into Conversions API server events
// as a YAML mapping config describes: it decodes and validates the config,
// parses times, normalizes and hashes customer information as Meta
// documents it, and says why a row cannot become an event.
package mapping
