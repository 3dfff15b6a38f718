package jieba_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/duxin-ai/duxin/tokenize"
	"github.com/duxin-ai/duxin/tokenize/jieba"
	"github.com/google/go-cmp/cmp"
)

func newTok(t testing.TB, opts ...jieba.Option) *jieba.Tokenizer {
	t.Helper()
	tok, err := jieba.New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tok.Close() })
	return tok
}

// TestGolden pins segmentations of real customer-service questions, with and
// without the payments dictionary, in both modes. Terms are after folding,
// stop words and stemming.
func TestGolden(t *testing.T) {
	configs := map[string][]jieba.Option{
		"precise, default dict only": {jieba.WithMode(jieba.Precise), jieba.WithoutDomainDict()},
		"precise":                    {jieba.WithMode(jieba.Precise)},
		"search":                     nil,
	}
	tests := []struct {
		config, in, want string
	}{
		{"precise, default dict only", "转账为什么没有电子回单", "转账/为什么/没有/电子/回单"},
		{"precise", "转账为什么没有电子回单", "转账/为什么/没有/电子回单"},
		{"search", "转账为什么没有电子回单", "转账/为什么/什么/没有/电子/电子回单/回单"},
		{"precise, default dict only", "花呗怎么还款", "花/怎么/还款"},
		{"precise", "花呗怎么还款", "花呗/怎么/还款"},
		{"precise, default dict only", "余额宝转出多久到账", "余额/宝转出/多久/到/账"},
		{"precise", "余额宝转出多久到账", "余额宝/转出/多久/到账"},
		{"search", "余额宝转出多久到账", "余额/余额宝/转出/多久/到账"},
		{"precise", "臨時額度怎麼提升", "临时额度/怎么/提升"},
		{"search", "蚂蚁花呗***元逾期了", "蚂蚁/蚂蚁花呗/花呗/元/逾期"},
		{"search", "我的ＡＰＰ里refunds 500元", "app/里/refund/500/元"},
		{"precise", "退款什么时候能到账", "退款/什么/时候/能/到账"},
		{"precise", "借呗还款失败了怎么办", "借呗/还款/失败/怎么办"},
		{"precise", "为什么我的银行卡不能绑定", "为什么/银行卡/不能/绑定"},
		// Without user dictionaries nothing else is loaded: not gojieba's
		// demo user dictionary either (it has 区块链 and 云计算).
		{"precise, default dict only", "区块链和云计算", "区块/链和云/计算"},
	}
	toks := map[string]*jieba.Tokenizer{}
	for name, opts := range configs {
		toks[name] = newTok(t, opts...)
	}
	for _, tt := range tests {
		t.Run(tt.config+"/"+tt.in, func(t *testing.T) {
			got := strings.Join(tokenize.Terms(toks[tt.config].Tokenize(tt.in)), "/")
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Tokenize(%q) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestUserDictFileChangesSegmentation(t *testing.T) {
	in := "亲密付能碰一下付款吗"
	// HMM off: it guesses unknown words, which would blur what the dictionary does.
	before := newTok(t, jieba.WithMode(jieba.Precise), jieba.WithHMM(false))
	after := newTok(t, jieba.WithMode(jieba.Precise), jieba.WithHMM(false), jieba.WithUserDict("testdata/user.dict.utf8"))
	b, a := strings.Join(before.Cut(in), "/"), strings.Join(after.Cut(in), "/")
	if strings.Contains(b, "亲密付") || strings.Contains(b, "碰一下") {
		t.Fatalf("default dictionary already knows the test words: %s", b)
	}
	if want := "亲密付/能/碰一下/付款/吗"; a != want {
		t.Errorf("with user dict: got %s, want %s (before: %s)", a, want, b)
	}
	if before.Identity() == after.Identity() {
		t.Error("a user dictionary must change the identity")
	}
}

func TestAddWordAtRuntime(t *testing.T) {
	// A private cache folder gives this test its own gojieba instance, so the
	// word it adds cannot leak into other tests.
	tok := newTok(t, jieba.WithMode(jieba.Precise), jieba.WithCacheDir(t.TempDir()))
	in := "我想开通亲情卡"
	before := strings.Join(tok.Cut(in), "/")
	id := tok.Identity()
	if err := tok.AddWord("开通亲情卡", 50000); err != nil {
		t.Fatal(err)
	}
	after := strings.Join(tok.Cut(in), "/")
	if before == after || !strings.Contains(after, "开通亲情卡") {
		t.Errorf("AddWord did not change segmentation: before %s, after %s", before, after)
	}
	if tok.Identity() == id {
		t.Error("AddWord must change the identity")
	}
	if err := tok.AddWords([]jieba.UserWord{{Word: "好词"}, {Word: "坏 词"}}); err == nil {
		t.Error("want an error for a word with a space")
	}
	if strings.Contains(strings.Join(tok.Cut("好词"), "/"), "好词/") {
		t.Error("a failed AddWords must add nothing")
	}
}

func TestReadUserWords(t *testing.T) {
	words, err := jieba.ReadUserWords(strings.NewReader("# c\n花呗 30000 nz\n借呗\n余额宝 nz\n"), "words.txt")
	if err != nil {
		t.Fatal(err)
	}
	want := []jieba.UserWord{{Word: "花呗", Freq: 30000, Tag: "nz"}, {Word: "借呗"}, {Word: "余额宝", Tag: "nz"}}
	if diff := cmp.Diff(want, words); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	_, err = jieba.ReadUserWords(strings.NewReader("ok\n花呗 many nz\n"), "words.txt")
	var de *jieba.DictError
	if !errors.As(err, &de) || de.Path != "words.txt" || de.Line != 2 {
		t.Errorf("want DictError at words.txt:2, got %v", err)
	}
}

func TestBadDictionariesAreErrors(t *testing.T) {
	dir := t.TempDir()
	noHMM := filepath.Join(dir, "nohmm")
	os.MkdirAll(noHMM, 0o755)
	os.WriteFile(filepath.Join(noHMM, "jieba.dict.utf8"), []byte("好词 3 n\n"), 0o644)
	tests := []struct {
		name     string
		opts     []jieba.Option
		wantPath string
		wantLine int
	}{
		{"missing user dict", []jieba.Option{jieba.WithUserDict("testdata/nope.utf8")}, "testdata/nope.utf8", 0},
		{"empty user dict", []jieba.Option{jieba.WithUserDict("testdata/empty/user.dict.utf8")}, "testdata/empty/user.dict.utf8", 0},
		{"bad user dict line", []jieba.Option{jieba.WithUserDict("testdata/bad_user.dict.utf8")}, "testdata/bad_user.dict.utf8", 1},
		{"user dict is a folder", []jieba.Option{jieba.WithUserDict("testdata")}, "testdata", 0},
		{"missing dict dir", []jieba.Option{jieba.WithDictDir("testdata/nowhere")}, "testdata/nowhere/jieba.dict.utf8", 0},
		{"malformed main dict", []jieba.Option{jieba.WithDictDir("testdata/bad_main")}, "testdata/bad_main/jieba.dict.utf8", 2},
		{"missing hmm model", []jieba.Option{jieba.WithDictDir(noHMM)}, filepath.Join(noHMM, "hmm_model.utf8"), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := jieba.New(tt.opts...)
			if err == nil {
				tok.Close()
				t.Fatal("want an error")
			}
			var de *jieba.DictError
			if !errors.As(err, &de) || !errors.Is(err, jieba.ErrBadDictionary) {
				t.Fatalf("want a *DictError wrapping ErrBadDictionary, got %v", err)
			}
			if de.Path != tt.wantPath || de.Line != tt.wantLine {
				t.Errorf("error names %s:%d, want %s:%d (%v)", de.Path, de.Line, tt.wantPath, tt.wantLine, err)
			}
		})
	}
}

func TestCloseIsIdempotentAndShared(t *testing.T) {
	a := newTok(t)
	b, err := jieba.New()
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if got := b.Tokenize("花呗"); got != nil {
		t.Errorf("closed tokenizer returned %v", got)
	}
	if err := b.AddWord("新词", 1); !errors.Is(err, jieba.ErrClosed) {
		t.Errorf("AddWord after Close: %v, want ErrClosed", err)
	}
	// a shares the instance b released: it must still work.
	if got := tokenize.Terms(a.Tokenize("花呗")); len(got) != 1 || got[0] != "花呗" {
		t.Errorf("shared instance broken after another Close: %v", got)
	}
}

func TestConcurrentTokenizeAddWordClose(t *testing.T) {
	tok, err := jieba.New(jieba.WithCacheDir(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				tok.Tokenize("转账为什么没有电子回单，花呗怎么还款")
				if g == 0 && i%50 == 0 {
					tok.AddWord("测试词"+string(rune('a'+i%26)), 100)
				}
			}
		}()
	}
	wg.Add(1)
	go func() { defer wg.Done(); tok.Close() }()
	wg.Wait()
}

func FuzzJieba(f *testing.F) {
	for _, s := range []string{"", "转账为什么没有电子回单", "花呗\x00还款", "\xff\xfe借呗", "ＡＢＣ１２３", "😀👍🏽", "臨時額度 refunds 3.5", "借呗***元"} {
		f.Add(s)
	}
	tok, err := jieba.New()
	if err != nil {
		f.Fatal(err)
	}
	defer tok.Close()
	f.Fuzz(func(t *testing.T, in string) {
		prev := 0
		for i, tk := range tok.Tokenize(in) {
			if tk.Start < prev || tk.Start >= tk.End || tk.End > len(in) || tk.Pos != i || tk.Text == "" {
				t.Fatalf("bad token %d %+v for %q", i, tk, in)
			}
			prev = tk.Start
		}
	})
}

func TestHugeAndHostileInput(t *testing.T) {
	tok := newTok(t)
	in := strings.Repeat("转账到银行卡为什么还没到账？Refund 500元\x00\xff😀\t", 10<<20/80)
	toks := tok.Tokenize(in)
	if len(toks) < 100000 {
		t.Fatalf("only %d tokens for 10 MB", len(toks))
	}
	prev := 0
	for _, tk := range toks {
		if tk.Start < prev || tk.End > len(in) {
			t.Fatalf("bad offsets %+v", tk)
		}
		prev = tk.Start
	}
}

// TestStopSetCopied: changing a stop set after New changes neither the
// tokens nor the Identity, which must describe the tokens.
func TestStopSetCopied(t *testing.T) {
	set := tokenize.NewStopSet("的")
	tok := newTok(t, jieba.WithStopWords(set), jieba.WithCacheDir(t.TempDir()))
	id, terms := tok.Identity(), tokenize.Terms(tok.Tokenize("转账到银行卡"))
	set["转账"] = struct{}{}
	if got := tok.Identity(); got != id {
		t.Errorf("Identity changed with the caller's set: %s -> %s", id, got)
	}
	if diff := cmp.Diff(terms, tokenize.Terms(tok.Tokenize("转账到银行卡"))); diff != "" {
		t.Errorf("tokens changed with the caller's set (-before +after):\n%s", diff)
	}
}
