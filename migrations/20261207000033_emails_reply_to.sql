-- An email may name the address its replies go to (`Reply-To`): a contact message emailed to
-- the admins is answered to its sender. NULL: replies go to `MAIL_FROM`.

ALTER TABLE emails ADD COLUMN reply_to text;
