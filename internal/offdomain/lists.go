package offdomain

// The two sets share no word list or template: held-out queries are
// others of the same kinds, not rewordings of the tuning ones.

var tune = lists{
	english: []string{
		"hello", "help", "hi there", "how do i {en_verb} a {en_noun}", "where can i {en_verb} {en_noun}",
		"what is the best {en_noun}", "i want to {en_verb} my {en_noun}", "can you {en_verb} the {en_noun}",
		"{en_noun} not working", "is the {en_noun} open today", "tell me about {en_noun}",
	},
	words: map[string][]string{
		"en_verb": {"book", "cook", "paint", "fix", "wash", "watch", "plant", "learn", "find", "clean"},
		"en_noun": {"flight", "pizza", "guitar", "garden", "movie", "bike", "piano", "hotel", "car", "window", "museum", "recipe"},
		"city":    {"北京", "上海", "广州", "成都", "杭州", "西安", "武汉"},
		"dish":    {"红烧肉", "宫保鸡丁", "麻婆豆腐", "糖醋排骨", "番茄炒蛋", "饺子", "蛋糕"},
		"team":    {"湖人队", "皇马", "巴萨", "国足", "勇士队", "曼联"},
		"movie":   {"流浪地球", "哪吒", "战狼", "泰坦尼克号", "星际穿越"},
		"genre":   {"科幻", "喜剧", "恐怖", "动画", "爱情"},
		"animal":  {"猫", "狗", "仓鼠", "金鱼", "兔子"},
	},
	mashKeys: "qwertasdfgzxcvb",
	emoji:    []string{"😀", "😂", "👍", "🙏", "❤️", "🎉", "😭", "🤔"},
	chat:     []string{"你好", "在吗", "谢谢", "哈哈", "早上好", "你是谁", "你是机器人吗", "好的", "嗯嗯", "哈哈哈哈", "拜拜", "辛苦了"},
	templates: []string{
		"{city}明天天气怎么样", "{city}今天会下雨吗", "{city}周末气温多少度",
		"{dish}怎么做", "{dish}的做法", "{dish}要放什么调料",
		"{team}比赛几点开始", "{team}昨晚赢了吗", "今晚有{team}的比赛吗",
		"{movie}好看吗", "推荐一部{genre}电影", "{movie}在哪里可以看",
		"{animal}不吃东西怎么办", "{animal}一天喂几次",
		"给我讲个笑话", "唱首歌吧", "今天星期几",
	},
}

var heldOut = lists{
	english: []string{
		"good morning", "thanks a lot", "what's up", "please {en_verb2} the {en_noun2}", "why is my {en_noun2} so {en_adj}",
		"any {en_adj} {en_noun2} near me", "need a {en_noun2} for tomorrow", "{en_verb2} {en_noun2} online",
		"is it {en_adj} to {en_verb2} a {en_noun2}",
	},
	words: map[string][]string{
		"en_verb2": {"rent", "repair", "draw", "sing", "translate", "borrow", "print", "order", "visit"},
		"en_noun2": {"apartment", "laptop", "song", "poem", "ticket", "doctor", "umbrella", "dog", "sofa", "camera", "beach"},
		"en_adj":   {"cheap", "slow", "safe", "loud", "hard", "easy", "nice"},
		"place":    {"三亚", "丽江", "桂林", "青岛", "厦门", "张家界"},
		"ill":      {"感冒", "发烧", "头疼", "咳嗽", "失眠", "牙疼"},
		"subject":  {"数学", "英语", "物理", "化学", "历史"},
		"singer":   {"周杰伦", "邓紫棋", "林俊杰", "王菲", "陈奕迅"},
		"plant":    {"绿萝", "多肉", "仙人掌", "月季", "吊兰"},
		"car":      {"特斯拉", "宝马", "比亚迪", "丰田"},
	},
	mashKeys: "yuiophjklnm1234567890",
	emoji:    []string{"🐶", "🌹", "🍉", "🚗", "☀️", "🌧️", "🐱", "⚽", "🎂"},
	chat:     []string{"嗨", "在不在", "多谢", "呵呵", "晚安", "你叫什么名字", "你好呀", "有人吗", "OK", "好滴", "再见", "无聊"},
	templates: []string{
		"去{place}旅游要准备什么", "{place}有什么好玩的", "{place}的酒店贵吗",
		"{ill}吃什么药好得快", "{ill}了怎么办", "{ill}需要去医院吗",
		"{subject}怎么学好", "{subject}考试有什么技巧",
		"{singer}的新歌叫什么", "播放{singer}的歌", "{singer}演唱会门票多少钱",
		"{plant}叶子发黄怎么办", "{plant}多久浇一次水",
		"{car}的油耗是多少", "{car}保养一次要多少钱",
		"帮我订个闹钟", "现在几点了", "明天是农历几号",
	},
}
