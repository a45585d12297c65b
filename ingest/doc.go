// Package ingest reads the spreadsheets that point-of-sale and CRM systems
// export (CSV, TSV, gzip-compressed CSV and XLSX) as a stream of rows, each
// carrying the file it came from and the row number a person sees when the
// file is opened in a spreadsheet program.
//
// Readers never hold a whole file or sheet in memory: a nightly export of a
// few million rows must cost no more memory than one of a hundred.
//
// Text input is sniffed from its first 64 KiB: gzip by its magic bytes, the
// encoding (a BOM, else UTF-8 if the bytes are valid UTF-8, else
// Windows-1252), and the delimiter (',', ';', tab or '|', whichever splits
// the rows most consistently). Options override each guess.
//
// A bad row (invalid bytes, a cell or row over a limit) is a row error: the
// caller records it and reads on, because one broken row in a nightly export
// must not hold back the others. A broken file (no header, not text, a
// truncated stream, a quote never closed) is a terminal error. IsRowError
// tells them apart. Errors name the file and, where known, the row and
// column, but never quote cell contents, which may be customer data.
//
// A Reader is not safe for concurrent use; the rows it returns are.
package ingest
