package httpapi

import (
	"errors"

	"github.com/duxin-ai/duxin/intent"
	"github.com/duxin-ai/duxin/intent/slots"
)

// This file is the handler's only use of slot extraction.

// SlotExtractor finds slot values (amounts, dates, card tails ...) in an
// utterance; [slots.Extractor] implements it.
type SlotExtractor interface {
	Extract(text string) []slots.Slot
}

// defaultSlotLabels name the slot kinds duxin extracts.
var defaultSlotLabels = map[string]string{
	"amount":    "金额",
	"card_tail": "卡号尾号",
	"date":      "日期",
	"payee":     "收款人",
	"order_id":  "订单号",
	"phone":     "手机号",
}

func (t Texts) withDefaults() Texts {
	if t.Handoff == "" {
		t.Handoff = "没有找到相关问题，为你转接人工客服"
	}
	if t.Degraded == "" {
		t.Degraded = "暂时无法读取你的最近操作，先为你推荐常见问题"
	}
	if t.Unavailable == "" {
		t.Unavailable = "服务暂时繁忙，请稍后再试"
	}
	labels := map[string]string{}
	for k, v := range defaultSlotLabels {
		labels[k] = v
	}
	for k, v := range t.SlotLabels {
		labels[k] = v
	}
	t.SlotLabels = labels
	return t
}

// route fills in the service of a recognised intent and the slots its route
// takes from text.
func (h *Handler) route(c *Classification, label, text string) error {
	var found []slots.Slot
	if h.o.slots != nil {
		found = h.o.slots.Extract(text)
	}
	rs, err := h.o.routes.Resolve(label, found)
	if errors.Is(err, intent.ErrUnknownIntent) {
		// Recognised, but the routing table has no service for it.
		c.Outcome = "unrouted"
		return nil
	}
	if err != nil {
		return err
	}
	c.Service = &Service{Name: rs.Route.Service, Link: rs.Route.Link}
	for _, s := range rs.Slots {
		label, ok := h.o.texts.SlotLabels[string(s.Kind)]
		if !ok {
			label = string(s.Kind)
		}
		c.Slots = append(c.Slots, Slot{Kind: string(s.Kind), Label: label, Text: s.Text, Value: s.Value})
	}
	c.Missing = append(c.Missing, rs.Missing...)
	return nil
}
