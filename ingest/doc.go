// Package ingest reads the spreadsheets that point-of-sale and CRM systems
// export (CSV, TSV, gzip-compressed CSV and XLSX) as a stream of rows, each
// carrying the file it came from and the row number a person sees when the
// file is opened in a spreadsheet program.
//
// Readers never hold a whole file or sheet in memory: a nightly export of a
// few million rows must cost no more memory than one of a hundred.
package ingest
