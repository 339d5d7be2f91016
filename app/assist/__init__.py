"""帮办员 (issue #21 item 4): helpers of named elderly households, appointed by the village's official with the
household's consent (on paper, or its card + 卡密码), who may show the household its balance and history and place
service orders for it, never redeem, rate or approve anything for it alone."""
