"""新时代文明实践 service orders: the menu, volunteer teams, 点单 → 派单 / 接单 → 完成 → 评单, hours and points."""
