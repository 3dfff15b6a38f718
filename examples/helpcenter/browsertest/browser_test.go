package browsertest

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"image/png"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

var updateScreenshot = flag.Bool("update-screenshot", false, "write the browser test's screenshot to ../screenshot.png")

const (
	screenshotFile  = "../screenshot.png" // the demo's README shows it
	screenshotWidth = 1000                // pixels: the window and the committed PNG
)

// startDemo builds the demo (the package in the parent folder, in duxin's
// own module), starts it on a free loopback port with its defaults (the
// sample data, 1000 simulated users, in memory) and returns its base URL
// once it answers. The process is stopped when the test ends.
func startDemo(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "helpcenter")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = ".."
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build of the demo: %v\n%s", err, out)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	logf, err := os.Create(filepath.Join(t.TempDir(), "demo.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-addr", addr)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			b, _ := os.ReadFile(logf.Name())
			t.Logf("the demo's log:\n%s", b)
		}
	})
	base := "http://" + addr
	deadline := time.Now().Add(3 * time.Minute)
	for {
		resp, err := http.Get(base + "/api/status")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return base
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the demo did not start within 3 minutes: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// findBrowser returns the path of an installed Chromium or Chrome, or "".
func findBrowser() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// TestBrowser drives the page in a real headless Chromium the way a user
// would: pick a user, read the guesses and their reasons, say "not this",
// search, and type an instruction.
func TestBrowser(t *testing.T) {
	browser := findBrowser()
	if browser == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true but no browser installed: looked for chromium, chromium-browser, google-chrome, google-chrome-stable in PATH")
		}
		t.Skip("no browser installed: looked for chromium, chromium-browser, google-chrome, google-chrome-stable in PATH (Debian: apt-get install chromium)")
	}
	if testing.Short() {
		t.Skip("starts a browser; skipped with -short")
	}
	base := startDemo(t)

	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(browser),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(screenshotWidth, 1000),
		// The machine may have no network: keep Chromium from reaching out.
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("mute-audio", true),
	)
	defer cancelAlloc()
	ctx, cancelTab := chromedp.NewContext(allocCtx, chromedp.WithLogf(t.Logf))
	defer cancelTab()
	// The first Run starts the browser; it must not carry the test's timeout.
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start %s: %v", browser, err)
	}
	ctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()

	step := func(name string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	eval := func(name, js string) []string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](js))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return v
	}
	const suggestionIDs = `[...document.querySelectorAll("#suggestions li.suggestion")].map(li => li.dataset.id)`

	step("open the page",
		chromedp.Navigate(base),
		chromedp.WaitVisible(chromedp.CSS(`body[data-ready="true"]`)),
	)

	// A brand-new user, then the user who just transferred to a bank card:
	// the guesses follow the trajectory and say why.
	step("pick the new user",
		chromedp.Click(chromedp.CSS(`button[data-user="xinren"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#suggestions[data-user="xinren"] li.suggestion`)),
	)
	step("pick 小王",
		chromedp.Click(chromedp.CSS(`button[data-user="xiaowang"]`)),
		chromedp.WaitVisible(chromedp.CSS(`button[data-user="xiaowang"][aria-checked="true"]`)),
	)
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.querySelector("#timeline li[data-type='transfer.success']") !== null && document.querySelectorAll('#suggestions[data-user="xiaowang"] li.suggestion').length > 0`)); err != nil {
		t.Fatalf("小王's timeline and suggestions: %v", err)
	}
	before := eval("suggestions", suggestionIDs)
	reasons := eval("reasons", `[...document.querySelectorAll("#suggestions li.suggestion:first-child .reasons li")].map(li => li.textContent)`)
	if len(before) == 0 || !strings.Contains(strings.Join(reasons, " "), "转账到银行卡") {
		t.Fatalf("小王's guesses %v with reasons %q: want a reason about the transfer to a bank card", before, reasons)
	}

	// Opening a suggestion shows its answer (and counts as an ask).
	step("open the top suggestion",
		chromedp.Click(chromedp.CSS(`#suggestions li.suggestion:first-child button.q`)),
		chromedp.WaitVisible(chromedp.CSS(`#suggestions li.suggestion:first-child .answer`)),
		chromedp.WaitVisible(chromedp.CSS(`#timeline li[data-type="ask"]`)),
	)

	// 不是这个: the list changes and the dismissed question is gone.
	step("say not this", chromedp.Click(chromedp.CSS(`#suggestions li.suggestion:first-child button.dismiss`)))
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.querySelector('#suggestions li.suggestion[data-id="`+before[0]+`"]') === null && document.querySelectorAll("#suggestions li.suggestion").length > 0`)); err != nil {
		t.Fatalf("after 不是这个 on %s the list did not change: %v (was %v)", before[0], err, before)
	}
	after := eval("suggestions after dismiss", suggestionIDs)
	if slices.Equal(before, after) || slices.Contains(after, before[0]) {
		t.Fatalf("suggestions %v after dismissing %s, were %v", after, before[0], before)
	}

	// Search as you type: the matched terms are highlighted.
	step("search",
		chromedp.SendKeys(chromedp.CSS(`#search-input`), "转账多久到账"),
		chromedp.WaitVisible(chromedp.CSS(`#search-results li mark`)),
	)
	marks := eval("marks", `[...document.querySelectorAll("#search-results mark")].map(m => m.textContent)`)
	if !slices.ContainsFunc(marks, func(m string) bool { return strings.Contains("转账多久到账", m) }) {
		t.Errorf("highlighted %q, want terms of the query", marks)
	}

	// An instruction it does not understand offers the closest questions.
	step("not understood",
		chromedp.SendKeys(chromedp.CSS(`#intent-input`), "今天天气怎么样"),
		chromedp.Click(chromedp.CSS(`#intent-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`#intent-result .miss`)),
	)
	// An instruction it understands names the service and the slots.
	step("query the bill",
		setValue(`#intent-input`, ""),
		chromedp.SendKeys(chromedp.CSS(`#intent-input`), "我要查账单"),
		chromedp.Click(chromedp.CSS(`#intent-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`#intent-result .service[data-intent="query_bill"]`)),
	)
	service, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#intent-result .service b`)))
	if err != nil || service != "账单查询" {
		t.Fatalf("service %q (%v), want 账单查询", service, err)
	}
	step("transfer with slots",
		setValue(`#intent-input`, ""),
		chromedp.SendKeys(chromedp.CSS(`#intent-input`), "帮我转500元到尾号6621的卡"),
		chromedp.Click(chromedp.CSS(`#intent-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`#intent-result .service[data-intent="transfer"] .slot[data-kind="amount"]`)),
	)

	// Adding an event by hand changes the guesses.
	step("add a failed transfer",
		setValue(`#event-type`, "transfer.fail"),
		chromedp.Click(chromedp.CSS(`#event-add`)),
		chromedp.WaitVisible(chromedp.CSS(`#timeline li[data-type="transfer.fail"]`)),
	)
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`[...document.querySelectorAll("#suggestions .reasons li")].some(li => li.textContent.includes("失败"))`)); err != nil {
		t.Fatalf("no guess explained by the failed transfer: %v", err)
	}

	// Let the "new in the list" highlight end before the picture is taken.
	eval("settle", `[...document.querySelectorAll(".fresh")].map(e => { e.classList.remove("fresh"); return e.dataset.id; })`)
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	shot, err = recompressPNG(shot, screenshotWidth)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "screenshot.png")
	if *updateScreenshot {
		out = screenshotFile
	}
	if err := os.WriteFile(out, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot (%d bytes): %s", len(shot), out)
}

// setValue sets the value of an <input> or chooses an option of a <select>,
// firing the change event as a user's choice would.
func setValue(sel, value string) chromedp.Action[chromedp.Void] {
	js := fmt.Sprintf(`(() => { const s = document.querySelector(%q); s.value = %q; s.dispatchEvent(new Event("change")); return s.value; })()`, sel, value)
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		got, err := chromedp.Evaluate[string](js)(ctx, t)
		if err == nil && got != value {
			err = fmt.Errorf("%s: cannot set %q", sel, value)
		}
		return chromedp.Void{}, err
	}
}

// recompressPNG re-encodes a PNG with the best compression; it refuses a
// capture that is not width pixels wide.
func recompressPNG(b []byte, width int) ([]byte, error) {
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("screenshot: %w", err)
	}
	if w := img.Bounds().Dx(); w != width {
		return nil, fmt.Errorf("screenshot is %d pixels wide, want %d", w, width)
	}
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
