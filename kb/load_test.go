package kb_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"gopkg.in/yaml.v3"

	"github.com/duxin-ai/duxin/kb"
	"github.com/duxin-ai/duxin/sampledata"
)

func fixtureWant() []kb.FAQ {
	cst := time.FixedZone("", 8*3600)
	return []kb.FAQ{{
		ID:       "transfer-bank-arrival-time",
		Question: "转账到银行卡多久到账？",
		Similar:  []string{"转到银行卡要多久到", "钱转到卡上啥时候能到账"},
		Answer:   "大部分银行实时到账。",
		Category: "转账",
		Tags:     []string{"银行卡", "到账"},
		Triggers: []kb.Trigger{
			{Event: "transfer.success", Attrs: map[string]string{"channel": "bank_card"}, Window: kb.Duration(2 * time.Hour), Weight: 0.9},
			{Event: "transfer.pending", Window: kb.Duration(36 * time.Hour), Weight: 0.5},
		},
	}, {
		ID:         "spring-campaign",
		Question:   "春节红包活动怎么参加？",
		Similar:    []string{"集福活动在哪"},
		Answer:     "打开首页“新春红包”入口即可。",
		Category:   "红包",
		Tags:       []string{"活动"},
		Priority:   2,
		ValidFrom:  time.Date(2027, 1, 20, 0, 0, 0, 0, cst),
		ValidUntil: time.Date(2027, 2, 15, 0, 0, 0, 0, cst),
	}, {
		ID:       "other-human-service",
		Question: "怎么联系人工客服？",
	}}
}

func TestLoadFileFormats(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"fixture.jsonl", "fixture.json", "fixture.yaml", "fixture.csv"} {
		t.Run(name, func(t *testing.T) {
			got, rep, err := kb.LoadFile(filepath.Join("testdata", "load", name))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(fixtureWant(), got); diff != "" {
				t.Errorf("entries (-want +got):\n%s", diff)
			}
			if rep.Records != 3 || len(rep.Skipped) != 0 || rep.Err() != nil {
				t.Errorf("report = %+v, want 3 records and none skipped", rep)
			}
		})
	}
}

func TestLoadFileFormatOption(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	data, err := os.ReadFile(filepath.Join("testdata", "load", "fixture.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "faq.txt")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := kb.LoadFile(path); !errors.Is(err, kb.ErrUnknownFormat) {
		t.Errorf("LoadFile(.txt) error = %v, want ErrUnknownFormat", err)
	}
	got, _, err := kb.LoadFile(path, kb.WithFormat(kb.FormatYAML))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(fixtureWant(), got); diff != "" {
		t.Errorf("entries (-want +got):\n%s", diff)
	}
	if _, _, err := kb.Load(strings.NewReader(""), kb.Format("xml")); !errors.Is(err, kb.ErrUnknownFormat) {
		t.Errorf("Load(xml) error = %v, want ErrUnknownFormat", err)
	}
}

func TestLoadEmptyInput(t *testing.T) {
	t.Parallel()
	for _, f := range []kb.Format{kb.FormatJSONL, kb.FormatJSON, kb.FormatCSV, kb.FormatYAML} {
		got, rep, err := kb.Load(strings.NewReader("\ufeff \n"), f)
		if err != nil || len(got) != 0 || rep.Records != 0 {
			t.Errorf("%s: Load(blank) = %v, %+v, %v; want no entries and no error", f, got, rep, err)
		}
	}
}

const good = `{"id":"a","question":"问题A"}`

func TestLoadBadRecords(t *testing.T) {
	t.Parallel()
	bad := "\xff\xfe"
	tests := []struct {
		name   string
		format kb.Format
		input  string
		want   []error // every one must match errors.Is
		line   int
		field  string
		msg    string // full message, when checked
	}{
		{name: "empty id", input: good + "\n" + `{"id":"  ","question":"q"}`, want: []error{kb.ErrEmptyID}, line: 2, field: "id"},
		{name: "missing id", input: `{"question":"q"}`, want: []error{kb.ErrEmptyID}, line: 1, field: "id"},
		{name: "duplicate id", input: good + "\n\n" + `{"id":" a ","question":"q"}`, want: []error{kb.ErrDuplicateID}, line: 3, field: "id",
			msg: `kb: faq.jsonl:3: field "id": duplicate id "a" (first on line 1)`},
		{name: "empty question", input: `{"id":"a","question":" \t"}`, want: []error{kb.ErrEmptyQuestion}, line: 1, field: "question"},
		{name: "invalid utf-8 in similar", input: `{"id":"a","question":"q","similar":["ok","` + bad + `"]}`, want: []error{kb.ErrInvalidUTF8}, line: 1, field: "similar[1]"},
		{name: "invalid utf-8 in attrs", input: `{"id":"a","question":"q","triggers":[{"event":"e","attrs":{"channel":"` + bad + `"},"window":"1h","weight":1}]}`,
			want: []error{kb.ErrInvalidUTF8, kb.ErrBadTrigger}, line: 1, field: "triggers[0].attrs.channel"},
		{name: "unknown field", input: `{"id":"a","question":"q","answre":"x"}`, want: []error{kb.ErrUnknownField}, line: 1, field: "answre",
			msg: `kb: faq.jsonl:1: field "answre": unknown field (want "id", "question", "similar", "answer", "category", "tags", "triggers", "priority", "valid_from" or "valid_until")`},
		{name: "unknown trigger field", input: `{"id":"a","question":"q","triggers":[{"evnt":"e"}]}`, want: []error{kb.ErrUnknownField, kb.ErrBadTrigger}, line: 1, field: "triggers[0].evnt",
			msg: `kb: faq.jsonl:1: field "triggers[0].evnt": unknown field (want "event", "attrs", "window" or "weight")`},
		{name: "duplicate field", input: `{"id":"a","question":"q","id":"b"}`, want: []error{kb.ErrDuplicateField}, line: 1, field: "id"},
		{name: "bad window", input: good + "\n" + `{"id":"b","question":"q","triggers":[{"event":"e","window":"1h","weight":1},{"event":"e","window":"3x","weight":1}]}`,
			want: []error{kb.ErrBadTrigger, kb.ErrBadDuration}, line: 2, field: "triggers[1].window",
			msg: `kb: faq.jsonl:2: field "triggers[1].window": bad duration "3x"`},
		{name: "zero window", input: `{"id":"a","question":"q","triggers":[{"event":"e","window":"0s","weight":1}]}`, want: []error{kb.ErrBadTrigger, kb.ErrBadDuration}, line: 1, field: "triggers[0].window"},
		{name: "missing window", input: `{"id":"a","question":"q","triggers":[{"event":"e","weight":1}]}`, want: []error{kb.ErrBadTrigger, kb.ErrBadDuration}, line: 1, field: "triggers[0].window"},
		{name: "numeric window", input: `{"id":"a","question":"q","triggers":[{"event":"e","window":30,"weight":1}]}`, want: []error{kb.ErrBadTrigger, kb.ErrBadValue}, line: 1, field: "triggers[0].window"},
		{name: "zero weight", input: `{"id":"a","question":"q","triggers":[{"event":"e","window":"1h","weight":0}]}`, want: []error{kb.ErrBadTrigger}, line: 1, field: "triggers[0].weight"},
		{name: "weight above one", input: `{"id":"a","question":"q","triggers":[{"event":"e","window":"1h","weight":1.5}]}`, want: []error{kb.ErrBadTrigger}, line: 1, field: "triggers[0].weight"},
		{name: "empty event", input: `{"id":"a","question":"q","triggers":[{"event":" ","window":"1h","weight":1}]}`, want: []error{kb.ErrBadTrigger}, line: 1, field: "triggers[0].event"},
		{name: "triggers not a list", input: `{"id":"a","question":"q","triggers":{"event":"e"}}`, want: []error{kb.ErrBadTrigger, kb.ErrBadValue}, line: 1, field: "triggers"},
		{name: "priority not a number", input: `{"id":"a","question":"q","priority":"high"}`, want: []error{kb.ErrBadValue}, line: 1, field: "priority"},
		{name: "question not a string", input: `{"id":"a","question":7}`, want: []error{kb.ErrBadValue}, line: 1, field: "question"},
		{name: "bad time", input: `{"id":"a","question":"q","valid_from":"2027-01-20"}`, want: []error{kb.ErrBadValue}, line: 1, field: "valid_from"},
		{name: "validity reversed", input: `{"id":"a","question":"q","valid_from":"2027-02-01T00:00:00Z","valid_until":"2027-01-01T00:00:00Z"}`, want: []error{kb.ErrBadValidity}, line: 1, field: "valid_until"},
		{name: "syntax", input: good + "\n" + `{"id":"b",`, want: []error{kb.ErrSyntax}, line: 2},
		{name: "not an object", input: `["a"]`, want: []error{kb.ErrSyntax}, line: 1},

		{name: "json array", format: kb.FormatJSON, input: "[\n  " + good + ",\n  {\n    \"id\": \"b\",\n    \"question\": \"\"\n  }\n]", want: []error{kb.ErrEmptyQuestion}, line: 3, field: "question"},
		{name: "json array syntax", format: kb.FormatJSON, input: "[\n" + good + ",\n{\"id\" \"b\"}]", want: []error{kb.ErrSyntax}, line: 3},
		{name: "json array trailing data", format: kb.FormatJSON, input: "[" + good + "]\n[]", want: []error{kb.ErrSyntax}, line: 2},
		{name: "json not an array", format: kb.FormatJSON, input: good, want: []error{kb.ErrSyntax}, line: 1},

		{name: "yaml unknown field", format: kb.FormatYAML, input: "- id: a\n  question: q\n- id: b\n  question: q\n  answre: x\n", want: []error{kb.ErrUnknownField}, line: 5, field: "answre"},
		{name: "yaml bad window", format: kb.FormatYAML, input: "- id: a\n  question: q\n  triggers:\n    - event: e\n      weight: 0.5\n      window: 3x\n", want: []error{kb.ErrBadTrigger, kb.ErrBadDuration}, line: 6, field: "triggers[0].window"},
		{name: "yaml empty question", format: kb.FormatYAML, input: "- id: a\n  question: ''\n", want: []error{kb.ErrEmptyQuestion}, line: 2, field: "question"},
		{name: "yaml entry not a mapping", format: kb.FormatYAML, input: "- id: a\n  question: q\n- just text\n", want: []error{kb.ErrSyntax}, line: 3},
		{name: "yaml syntax", format: kb.FormatYAML, input: "- id: a\n  question: [q\n", want: []error{kb.ErrSyntax}},
		{name: "yaml invalid utf-8", format: kb.FormatYAML, input: "- id: a\n  question: " + bad + "\n", want: []error{kb.ErrSyntax}},

		{name: "csv unknown column", format: kb.FormatCSV, input: "id,question,answre\na,q,x\n", want: []error{kb.ErrUnknownField}, line: 1, field: "answre"},
		{name: "csv missing column", format: kb.FormatCSV, input: "id,answer\na,x\n", want: []error{kb.ErrSyntax}, line: 1},
		{name: "csv field count", format: kb.FormatCSV, input: "id,question\na,q\nb,q,extra\n", want: []error{kb.ErrSyntax}, line: 3},
		{name: "csv bad triggers", format: kb.FormatCSV, input: "id,question,triggers\na,q,\"[{\"\"event\"\":\"\n", want: []error{kb.ErrBadTrigger, kb.ErrSyntax}, line: 2, field: "triggers"},
		{name: "csv bad window", format: kb.FormatCSV, input: "id,question,triggers\na,q,\"[{\"\"event\"\":\"\"e\"\",\"\"window\"\":\"\"-1h\"\",\"\"weight\"\":1}]\"\n", want: []error{kb.ErrBadTrigger, kb.ErrBadDuration}, line: 2, field: "triggers[0].window"},
		{name: "csv invalid utf-8", format: kb.FormatCSV, input: "id,question,tags\na,q,ok|" + bad + "\n", want: []error{kb.ErrInvalidUTF8}, line: 2, field: "tags[1]"},
		{name: "csv multi-line record", format: kb.FormatCSV, input: "id,question,answer\na,q,\"two\nlines\"\nb,,x\n", want: []error{kb.ErrEmptyQuestion}, line: 4, field: "question"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			format := tt.format
			if format == "" {
				format = kb.FormatJSONL
			}
			got, rep, err := kb.Load(strings.NewReader(tt.input), format, kb.WithFileName("faq."+string(format)))
			if got != nil || rep != nil {
				t.Errorf("Load returned entries %v and report %v with an error; want nil", got, rep)
			}
			var re *kb.RecordError
			if !errors.As(err, &re) {
				t.Fatalf("error = %v (%T), want *kb.RecordError", err, err)
			}
			for _, w := range tt.want {
				if !errors.Is(err, w) {
					t.Errorf("error %q does not match %v", err, w)
				}
			}
			if tt.line != 0 && re.Line != tt.line {
				t.Errorf("line = %d, want %d (%v)", re.Line, tt.line, err)
			}
			if re.Field != tt.field {
				t.Errorf("field = %q, want %q (%v)", re.Field, tt.field, err)
			}
			if re.File != "faq."+string(format) {
				t.Errorf("file = %q, want %q", re.File, "faq."+string(format))
			}
			if tt.msg != "" && err.Error() != tt.msg {
				t.Errorf("message = %q, want %q", err.Error(), tt.msg)
			}
		})
	}
}

func TestLoadSkipInvalid(t *testing.T) {
	t.Parallel()
	input := strings.Join([]string{
		`{"id":"a","question":"问题A"}`,
		`{"id":"b","question":""}`,
		`not json`,
		`{"id":"c","question":"问题C","triggers":[{"event":"e","window":"7d","weight":0.2}]}`,
		`{"id":"a","question":"again"}`,
	}, "\n")
	for _, skip := range []bool{false, true} {
		var opts []kb.LoadOption
		if skip {
			opts = append(opts, kb.SkipInvalid())
		}
		got, rep, err := kb.Load(strings.NewReader(input), kb.FormatJSONL, opts...)
		if !skip {
			if got != nil || rep != nil || !errors.Is(err, kb.ErrEmptyQuestion) {
				t.Errorf("fail mode: Load = %v, %v, %v; want nil, nil, ErrEmptyQuestion", got, rep, err)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, f := range got {
			ids = append(ids, f.ID)
		}
		if diff := cmp.Diff([]string{"a", "c"}, ids); diff != "" {
			t.Errorf("ids (-want +got):\n%s", diff)
		}
		type skipped struct {
			Line  int
			ID    string
			Field string
		}
		var gotSkipped []skipped
		for _, e := range rep.Skipped {
			gotSkipped = append(gotSkipped, skipped{e.Line, e.ID, e.Field})
		}
		wantSkipped := []skipped{{2, "b", "question"}, {3, "", ""}, {5, "a", "id"}}
		if diff := cmp.Diff(wantSkipped, gotSkipped); diff != "" {
			t.Errorf("skipped (-want +got):\n%s", diff)
		}
		if rep.Records != 5 {
			t.Errorf("Records = %d, want 5", rep.Records)
		}
		joined := rep.Err()
		if !errors.Is(joined, kb.ErrDuplicateID) || !errors.Is(joined, kb.ErrSyntax) || !errors.Is(joined, kb.ErrEmptyQuestion) {
			t.Errorf("report.Err() = %v, want it to match every skipped error", joined)
		}
	}
}

// TestLoadMarshalRoundTrip checks that entries written with encoding/json and
// yaml.v3 (Duration's MarshalText) load back unchanged.
func TestLoadMarshalRoundTrip(t *testing.T) {
	t.Parallel()
	want := fixtureWant()
	js, err := json.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	ys, err := yaml.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		format kb.Format
		data   []byte
	}{{kb.FormatJSON, js}, {kb.FormatYAML, ys}} {
		got, _, err := kb.Load(bytes.NewReader(c.data), c.format)
		if err != nil {
			t.Fatalf("%s: %v\n%s", c.format, err, c.data)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s round trip (-want +got):\n%s", c.format, diff)
		}
	}
	if !bytes.Contains(js, []byte(`"window":"1d12h"`)) || !bytes.Contains(ys, []byte("window: 1d12h")) {
		t.Errorf("windows not written as text:\n%s\n%s", js, ys)
	}
}

// TestSampleData checks the bundled knowledge base: it loads cleanly, is big
// enough, and its triggers speak only the vocabulary of the wallet
// phrasebook (sampledata/phrasebook.yaml): its event types, their
// attributes and allowed values.
func TestSampleData(t *testing.T) {
	t.Parallel()
	entries, rep, err := kb.Load(bytes.NewReader(sampledata.FAQJSONL()), kb.FormatJSONL, kb.WithFileName("faq.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) < 160 || rep.Records != len(entries) {
		t.Fatalf("got %d entries of %d records, want at least 160 and all valid", len(entries), rep.Records)
	}
	var book struct {
		Events map[string]struct {
			Attrs []struct {
				Name   string   `yaml:"name"`
				Values []string `yaml:"values"`
			} `yaml:"attrs"`
		} `yaml:"events"`
	}
	if err := yaml.Unmarshal(sampledata.PhrasebookYAML(), &book); err != nil {
		t.Fatal(err)
	}
	if len(book.Events) < 20 {
		t.Fatalf("found %d event types in the phrasebook, want at least 20", len(book.Events))
	}
	allowed := func(typ, attr, value string) bool {
		for _, a := range book.Events[typ].Attrs {
			if a.Name == attr {
				return len(a.Values) == 0 || slices.Contains(a.Values, value)
			}
		}
		return false
	}
	idRE := regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	cats := map[string]int{}
	used := map[string]int{}
	var similar, triggers int
	for _, f := range entries {
		if !idRE.MatchString(f.ID) {
			t.Errorf("%s: id is not lowercase kebab-case", f.ID)
		}
		if len(f.Similar) < 3 {
			t.Errorf("%s: %d similar questions, want at least 3", f.ID, len(f.Similar))
		}
		if f.Answer == "" || f.Category == "" || len(f.Tags) == 0 {
			t.Errorf("%s: missing answer, category or tags", f.ID)
		}
		for _, tr := range f.Triggers {
			if _, ok := book.Events[tr.Event]; !ok {
				t.Errorf("%s: trigger event %q is not in the phrasebook", f.ID, tr.Event)
			}
			for k, v := range tr.Attrs {
				if !allowed(tr.Event, k, v) {
					t.Errorf("%s: trigger %s{%s=%s}: the phrasebook has no such attribute value", f.ID, tr.Event, k, v)
				}
			}
			used[tr.Event]++
		}
		cats[f.Category]++
		similar += len(f.Similar)
		triggers += len(f.Triggers)
	}
	if len(cats) < 10 {
		t.Errorf("%d categories, want at least 10", len(cats))
	}
	t.Logf("%d entries, %d similar questions, %d triggers over %d event types, %d categories",
		len(entries), similar, triggers, len(used), len(cats))
}

// FuzzLoad feeds arbitrary JSON Lines to Load: it must never panic, skip mode
// must account for every record, and whatever loads must survive a
// marshal/load round trip.
func FuzzLoad(f *testing.F) {
	for _, s := range []string{
		good,
		`{"id":"a","question":"q","triggers":[{"event":"e","attrs":{"k":"v"},"window":"1d12h","weight":0.5}],"priority":-3}`,
		`{"id":"a","question":"q","valid_from":"2027-01-20T00:00:00+08:00","valid_until":"2027-02-15T00:00:00.5Z"}`,
		`{"id":"a","question":"q","similar":["  x ","x","",null]}` + "\n" + `{"id":"a"}`,
		`[1,2]`, `{"id":`, "\xff", `{"id":"\ud800","question":"\u0000"}`,
	} {
		f.Add([]byte(s))
	}
	if data, err := os.ReadFile(filepath.Join("testdata", "load", "fixture.jsonl")); err == nil {
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		strict, _, strictErr := kb.Load(bytes.NewReader(data), kb.FormatJSONL)
		got, rep, err := kb.Load(bytes.NewReader(data), kb.FormatJSONL, kb.SkipInvalid())
		if err != nil {
			t.Fatalf("skip mode failed on JSON Lines: %v", err)
		}
		if rep.Records != len(got)+len(rep.Skipped) {
			t.Fatalf("report counts %d records, returned %d + skipped %d", rep.Records, len(got), len(rep.Skipped))
		}
		if strictErr == nil {
			if diff := cmp.Diff(strict, got); diff != "" {
				t.Fatalf("fail and skip modes disagree on good input (-fail +skip):\n%s", diff)
			}
		} else if strict != nil {
			t.Fatal("fail mode returned entries with an error")
		}
		var buf bytes.Buffer
		for _, e := range got {
			line, err := json.Marshal(e)
			if err != nil {
				t.Fatal(err)
			}
			buf.Write(line)
			buf.WriteByte('\n')
		}
		again, _, err := kb.Load(&buf, kb.FormatJSONL)
		if err != nil {
			t.Fatalf("reloading marshalled entries: %v", err)
		}
		if diff := cmp.Diff(got, again); diff != "" {
			t.Fatalf("round trip (-loaded +reloaded):\n%s", diff)
		}
	})
}

func TestParseDuration(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want time.Duration
		str  string
	}{
		{"7d", 7 * 24 * time.Hour, "7d"},
		{"1d12h", 36 * time.Hour, "1d12h"},
		{" 30m ", 30 * time.Minute, "30m"},
		{"2h", 2 * time.Hour, "2h"},
		{"90s", 90 * time.Second, "1m30s"},
		{"0.5d", 12 * time.Hour, "12h"},
		{"1.5s", 1500 * time.Millisecond, "1s500ms"},
		{"48h", 48 * time.Hour, "2d"},
	}
	for _, tt := range tests {
		got, err := kb.ParseDuration(tt.in)
		if err != nil || got.Std() != tt.want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", tt.in, got.Std(), err, tt.want)
			continue
		}
		if got.String() != tt.str {
			t.Errorf("ParseDuration(%q).String() = %q, want %q", tt.in, got.String(), tt.str)
		}
		if again, err := kb.ParseDuration(got.String()); err != nil || again != got {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", got.String(), again, err, got)
		}
	}
	for _, in := range []string{"", " ", "0", "0s", "0d", "-1h", "+1h", "3x", "d", "1", "1h-30m", "1.2.3d", "99999999d", "106752d"} {
		if d, err := kb.ParseDuration(in); !errors.Is(err, kb.ErrBadDuration) {
			t.Errorf("ParseDuration(%q) = %v, %v; want ErrBadDuration", in, d, err)
		}
	}
	var d kb.Duration
	if err := json.Unmarshal([]byte(`"1d"`), &d); err != nil || d.Std() != 24*time.Hour {
		t.Errorf("json.Unmarshal(\"1d\") = %v, %v", d, err)
	}
	if err := yaml.Unmarshal([]byte(`7d`), &d); err != nil || d.Std() != 7*24*time.Hour {
		t.Errorf("yaml.Unmarshal(7d) = %v, %v", d, err)
	}
	if err := json.Unmarshal([]byte(`"-5m"`), &d); !errors.Is(err, kb.ErrBadDuration) {
		t.Errorf("json.Unmarshal(\"-5m\") error = %v, want ErrBadDuration", err)
	}
	if s := kb.Duration(0).String(); s != "0s" {
		t.Errorf("Duration(0).String() = %q, want 0s", s)
	}
}
