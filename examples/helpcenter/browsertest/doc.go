// Package browsertest drives the help-center demo's page in a real headless
// Chromium (through chromedp), the way a user would. It is a module of its
// own so that duxin's go.mod does not carry the browser-automation
// dependencies: the test builds the demo from duxin's module (the parent
// folder) and talks to it over HTTP only.
//
//	go -C examples/helpcenter/browsertest test ./...
//	go -C examples/helpcenter/browsertest test ./... -update-screenshot   # also rewrite ../screenshot.png
package browsertest
