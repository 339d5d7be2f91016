"""Redemption pages, by area: counter (the villager's 积分码 and the attendant's 收银台), cards (printed household
cards), settings (大额兑换确认). app/shop/pages.py mounts them."""
