package main

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
)

// progress reports a command's stages on stderr: a progress bar (or a
// spinner, when the amount of work is unknown) on a terminal, plain lines
// otherwise. Its methods may be called from any goroutine.
type progress struct {
	w        io.Writer
	terminal bool

	mu    sync.Mutex
	name  string
	total int
	done  int
	start time.Time
	next  int // plain lines: the count at which to print the next line
	bar   *progressbar.ProgressBar
	stop  chan struct{}
	wg    sync.WaitGroup
}

func newProgress(e env) *progress { return &progress{w: e.stderr, terminal: e.terminal} }

// stage starts a stage of total steps (total ≤ 0: unknown), ending the
// previous one.
func (p *progress) stage(name string, total int) {
	p.end()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.name, p.total, p.done, p.start = name, total, 0, time.Now()
	if !p.terminal {
		if total > 0 {
			fmt.Fprintf(p.w, "%s: %d to do\n", name, total)
		} else {
			fmt.Fprintf(p.w, "%s ...\n", name)
		}
		p.next = max(total/10, 1)
		return
	}
	max := total
	if max <= 0 {
		max = -1 // a spinner
	}
	opts := []progressbar.Option{
		progressbar.OptionSetWriter(p.w),
		progressbar.OptionSetDescription(name),
		progressbar.OptionSetWidth(30),
		progressbar.OptionSetElapsedTime(true),
		progressbar.OptionSetPredictTime(total > 0),
		progressbar.OptionThrottle(100 * time.Millisecond),
		progressbar.OptionSpinnerType(14),
		progressbar.OptionClearOnFinish(),
	}
	if total > 0 {
		opts = append(opts, progressbar.OptionShowCount())
	}
	p.bar = progressbar.NewOptions(max, opts...)
	_ = p.bar.RenderBlank()
	if total <= 0 {
		// Keep the spinner turning while the work gives no news.
		stop, bar := make(chan struct{}), p.bar
		p.stop = stop
		p.wg.Go(func() {
			t := time.NewTicker(200 * time.Millisecond)
			defer t.Stop()
			for {
				select {
				case <-stop:
					return
				case <-t.C:
					_ = bar.Add(0)
				}
			}
		})
	}
}

// add records n more steps of the current stage done.
func (p *progress) add(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done += n
	if p.bar != nil {
		_ = p.bar.Add(n)
		return
	}
	if p.total > 0 && p.done >= p.next && p.done < p.total {
		fmt.Fprintf(p.w, "%s: %d/%d\n", p.name, p.done, p.total)
		for p.next <= p.done {
			p.next += max(p.total/10, 1)
		}
	}
}

// end ends the current stage, saying how long it took.
func (p *progress) end() { p.close(false) }

// finish ends the current stage, if any, as end does; or, when err is not
// nil, saying that it failed. Commands defer it with their error.
func (p *progress) finish(err error) { p.close(err != nil) }

func (p *progress) close(failed bool) {
	p.mu.Lock()
	stop, bar, name, total, done, start := p.stop, p.bar, p.name, p.total, p.done, p.start
	p.stop, p.bar, p.name = nil, nil, ""
	p.mu.Unlock()
	if stop != nil {
		close(stop)
		p.wg.Wait()
	}
	if name == "" {
		return
	}
	if bar != nil {
		if failed {
			_ = bar.Exit()
			_ = bar.Clear()
		} else {
			_ = bar.Finish()
		}
	}
	took := time.Since(start).Round(time.Millisecond)
	switch {
	case failed:
		fmt.Fprintf(p.w, "%s: failed after %v\n", name, took)
	case total > 0:
		fmt.Fprintf(p.w, "%s: %d done in %v\n", name, done, took)
	default:
		fmt.Fprintf(p.w, "%s: done in %v\n", name, took)
	}
}

// logf writes a line of its own.
func (p *progress) logf(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar != nil {
		_ = p.bar.Clear()
	}
	fmt.Fprintf(p.w, format+"\n", args...)
}
