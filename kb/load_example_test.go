package kb_test

import (
	"errors"
	"fmt"
	"strings"

	"github.com/duxin-ai/duxin/kb"
)

func ExampleLoad() {
	input := `{"id":"refund-arrival-time","question":"退款多久到账？","similar":["退款要几天到","退款啥时候到账"],"category":"退款","triggers":[{"event":"refund.apply","window":"7d","weight":0.9}]}
{"id":"yuebao-income-when","question":"余额宝转入后什么时候有收益？","triggers":[{"event":"yuebao.in","window":"3x","weight":0.9}]}
{"id":"other-human-service","question":"怎么联系人工客服？"}
`
	// The default policy: the first bad record fails the load.
	_, _, err := kb.Load(strings.NewReader(input), kb.FormatJSONL, kb.WithFileName("faq.jsonl"))
	fmt.Println(err)
	fmt.Println(errors.Is(err, kb.ErrBadTrigger), errors.Is(err, kb.ErrBadDuration))

	// SkipInvalid keeps the good records and reports the others.
	entries, report, err := kb.Load(strings.NewReader(input), kb.FormatJSONL, kb.SkipInvalid())
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, f := range entries {
		fmt.Println(f.ID, f.Question, len(f.Similar), f.Triggers)
	}
	for _, e := range report.Skipped {
		fmt.Printf("skipped line %d (%s): %s\n", e.Line, e.ID, e.Field)
	}
	// Output:
	// kb: faq.jsonl:2: field "triggers[0].window": bad duration "3x"
	// true true
	// refund-arrival-time 退款多久到账？ 2 [{refund.apply map[] 7d 0.9}]
	// other-human-service 怎么联系人工客服？ 0 []
	// skipped line 2 (yuebao-income-when): triggers[0].window
}
