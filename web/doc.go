// Package web is the local web page of `capi-upload serve`: the tool for
// marketing ops who do not live on a command line. In a browser on their
// own machine they open an export, map its columns with init's proposal as
// the starting point, look at the first rows as events (masked), check the
// whole file, save the YAML the nightly job reads, and send with live
// progress; the run's reports and earlier runs stay one click away.
//
// The page is rendered on the server with html/template, its assets are
// embedded, and a little plain JavaScript does what pays (drag and drop,
// the live "reads as" of a time format, progress by server-sent events);
// nothing is fetched from the internet. The run itself is behind Runner, so
// the package does not depend on how the command line wires a run.
//
// It is a local server with Jupyter's habits: it listens on loopback unless
// told otherwise, every request must carry the session secret printed at
// start (then a cookie), the Host header must name this server (against DNS
// rebinding), every state change carries a CSRF token, uploads are limited
// in size, and no customer value is ever rendered, returned or logged other
// than masked (see Mask).
package web
