package insight

import (
	_ "embed"
	"html/template"
	"io"
)

//go:embed report.html.tmpl
var reportTemplate string

var reportPage = template.Must(template.New("report").Funcs(template.FuncMap{
	"chartNum": chartNum,
}).Parse(reportTemplate))

// pageView is what report.html shows, laid out: figures as text, charts
// as SVG paths, tables as rows.
type pageView struct {
	Log, KB, Period, Zone string
	Events                int64
	Figures               []pageFigure
	SelfService           *chartSVG
	Reasons               []pageRow
	Forecast              *chartSVG
	ForecastNote          string
	Gaps                  []pageGap
	GapsNote              string
	Questions, Pages      []pageRow
}

type pageFigure struct{ Value, Label string }

// pageRow is one line of a table: a name, a count, a share (as text) and
// one more count.
type pageRow struct {
	Name         string
	Count, Other int64
	Share        string
}

type pageGap struct {
	Question string
	Count    int64
	Queries  []string
}

func (v *pageView) write(w io.Writer) error { return reportPage.Execute(w, v) }
