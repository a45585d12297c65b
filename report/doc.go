// Package report writes what a run did: the reject report (rejects.csv),
// summary.json, report.html and the short summary printed at the end, and
// shows progress while it runs. Nothing it writes holds customer
// information, raw or hashed, or the access token.
package report
