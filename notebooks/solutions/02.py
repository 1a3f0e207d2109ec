# Exercise 2: the item stays completed, so only the notification ("updated") and the audit
# row are added; process_item_completion runs only when an item becomes done.
answer = ["send_item_notification", "log_user_action"]
