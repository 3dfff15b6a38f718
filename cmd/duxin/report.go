package main

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"html/template"
	"math"
	"os"
	"path/filepath"
	"slices"

	"github.com/duxin-ai/duxin/internal/evaluate"
)

// intentReportFile is intent_report.json: what was tested, the figures and
// the per-intent report.
type intentReportFile struct {
	Model   string       `json:"model"`
	SHA256  string       `json:"sha256"`
	Data    string       `json:"data"`
	Figures intentResult `json:"figures"`
	evaluate.IntentReport
}

//go:embed report.html.tmpl
var reportTemplate string

var reportPage = template.Must(template.New("report").Funcs(template.FuncMap{
	"pct":  func(x float64) string { return fmt.Sprintf("%.1f%%", 100*x) },
	"f4":   func(x float64) string { return fmt.Sprintf("%.4f", x) },
	"mul":  func(a float64, n int) float64 { return a * float64(n) },
	"add":  func(a, b float64) float64 { return a + b },
	"sub":  func(a, b float64) float64 { return a - b },
	"half": func(a float64) float64 { return a / 2 },
	"optf4": func(x *float64) string {
		if x == nil {
			return "–"
		}
		return fmt.Sprintf("%.4f", *x)
	},
}).Parse(reportTemplate))

// heatCell is one non-zero cell of the confusion matrix as drawn.
type heatCell struct {
	X, Y, Size float64
	Count      int
	Share      float64 // of the row
	Gold, Pred string
	Fill       string
}

// heatRow is one gold label's row.
type heatRow struct {
	Label string
	Y     float64
	Cells []heatCell
}

// heatMap is the confusion matrix laid out as SVG.
type heatMap struct {
	Cell, Left, Top, Width, Height, Font float64
	Rows                                 []heatRow
	Columns                              []heatColumn
	ShowColumns                          bool
}

type heatColumn struct {
	Label string
	X     float64
}

func layoutHeatMap(rep evaluate.IntentReport) heatMap {
	n := float64(max(len(rep.Labels), 1))
	cell := max(4, min(22, 900/n))
	longest := 0
	for _, l := range rep.Labels {
		longest = max(longest, len([]rune(l)))
	}
	font := max(5, min(12, cell-2))
	h := heatMap{Cell: cell, Font: font, Left: float64(longest)*font*0.62 + 8, ShowColumns: cell >= 10}
	h.Top = 8
	if h.ShowColumns {
		h.Top = h.Left
	}
	h.Width, h.Height = h.Left+n*cell+4, h.Top+n*cell+4
	for j, l := range rep.Labels {
		h.Columns = append(h.Columns, heatColumn{Label: l, X: h.Left + float64(j)*cell + cell/2})
	}
	for i, l := range rep.Labels {
		row := heatRow{Label: l, Y: h.Top + float64(i)*cell}
		support := rep.Intents[i].Support
		for j, c := range rep.Confusion[i] {
			if c == 0 {
				continue
			}
			share := 1.0
			if support > 0 {
				share = float64(c) / float64(support)
			}
			alpha := 0.2 + 0.8*math.Sqrt(share)                // a few errors still show
			fill := fmt.Sprintf("rgba(192,57,43,%.3f)", alpha) // an error
			if i == j {
				fill = fmt.Sprintf("rgba(31,97,141,%.3f)", alpha)
			}
			row.Cells = append(row.Cells, heatCell{X: h.Left + float64(j)*cell, Y: row.Y, Size: cell - 0.5, Count: c,
				Share: share, Gold: l, Pred: rep.Labels[j], Fill: fill})
		}
		h.Rows = append(h.Rows, row)
	}
	return h
}

// writeIntentReport writes intent_report.json and intent_report.html to
// dir and returns their paths.
func writeIntentReport(dir string, f intentReportFile) (jsonPath, htmlPath string, err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", "", err
	}
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return "", "", err
	}
	jsonPath = filepath.Join(dir, "intent_report.json")
	if err := os.WriteFile(jsonPath, append(b, '\n'), 0o644); err != nil {
		return "", "", err
	}
	// The table lists the weakest intents first.
	byF1 := slices.Clone(f.Intents)
	slices.SortStableFunc(byF1, func(a, b evaluate.IntentClass) int {
		switch {
		case a.F1 < b.F1:
			return -1
		case a.F1 > b.F1:
			return 1
		}
		return 0
	})
	var page bytes.Buffer
	err = reportPage.Execute(&page, struct {
		intentReportFile
		ByF1 []evaluate.IntentClass
		Heat heatMap
	}{f, byF1, layoutHeatMap(f.IntentReport)})
	if err != nil {
		return "", "", err
	}
	htmlPath = filepath.Join(dir, "intent_report.html")
	return jsonPath, htmlPath, os.WriteFile(htmlPath, page.Bytes(), 0o644)
}
