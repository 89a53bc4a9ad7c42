//! The email templates kept in the repository (`templates/emails/<name>.txt` and `.html`,
//! compiled in) and a tiny `{{placeholder}}` substitution.
//!
//! In the HTML part every value is HTML-escaped, except placeholders whose name ends in
//! `_html`: those are fragments the mailer builds itself from escaped values (the order lines).
//! An unknown placeholder is left as is, so a typo shows in the email instead of vanishing.

use crate::html::escape;

/// One email template: subject line and both bodies.
#[derive(Debug, Clone, Copy)]
pub struct Template {
    /// The name stored in `emails.template`.
    pub name: &'static str,
    /// The subject, itself a template (plain text).
    pub subject: &'static str,
    /// The plain-text body.
    pub text: &'static str,
    /// The HTML body.
    pub html: &'static str,
}

macro_rules! template {
    ($name:literal, $subject:literal) => {
        Template {
            name: $name,
            subject: $subject,
            text: include_str!(concat!("../../templates/emails/", $name, ".txt")),
            html: include_str!(concat!("../../templates/emails/", $name, ".html")),
        }
    };
}

/// Account verification.
pub const VERIFY_EMAIL: Template = template!("verify_email", "Confirm your email address");
/// Password reset.
pub const PASSWORD_RESET: Template = template!("password_reset", "Reset your password");
/// Confirming the address a user asked to move to (sent there).
pub const EMAIL_CHANGE: Template = template!("email_change", "Confirm your new email address");
/// Telling the old address that the account moved to another one.
pub const EMAIL_CHANGED: Template = template!("email_changed", "Your email address was changed");
/// Order confirmation, with its lines and totals.
pub const ORDER_CONFIRMED: Template =
    template!("order_confirmed", "Order {{order_id}} confirmed: {{total}}");
/// Order shipped, with carrier and tracking number.
pub const ORDER_SHIPPED: Template = template!("order_shipped", "Order {{order_id}} has shipped");
/// Order delivered.
pub const ORDER_DELIVERED: Template =
    template!("order_delivered", "Order {{order_id}} was delivered");
/// Order cancelled.
pub const ORDER_CANCELLED: Template =
    template!("order_cancelled", "Order {{order_id}} was cancelled");
/// Order refunded.
pub const ORDER_REFUNDED: Template = template!("order_refunded", "Order {{order_id}} refunded");
/// A return was asked for.
pub const RETURN_REQUESTED: Template = template!(
    "return_requested",
    "Return requested for order {{order_id}}"
);
/// A return was approved.
pub const RETURN_APPROVED: Template =
    template!("return_approved", "Return approved for order {{order_id}}");
/// A return was rejected.
pub const RETURN_REJECTED: Template = template!(
    "return_rejected",
    "Return not accepted for order {{order_id}}"
);
/// A return arrived.
pub const RETURN_RECEIVED: Template =
    template!("return_received", "Return received for order {{order_id}}");
/// Low stock, to every admin.
pub const LOW_STOCK: Template = template!("low_stock", "Low stock: {{product_name}} ({{sku}})");
/// A contact-form message, to every admin (replies go to its sender).
pub const CONTACT_MESSAGE: Template = template!("contact_message", "Contact: {{subject}}");

/// A rendered email, before it gets its recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// The subject line.
    pub subject: String,
    /// The plain-text part.
    pub text: String,
    /// The HTML part.
    pub html: String,
}

impl Template {
    /// Renders the subject and both parts with `vars`.
    pub fn render(&self, vars: &[(&str, String)]) -> Rendered {
        Rendered {
            subject: substitute(self.subject, vars, false).replace(['\r', '\n'], " "),
            text: substitute(self.text, vars, false),
            html: substitute(self.html, vars, true),
        }
    }
}

/// Replaces every `{{name}}` of `template` by its value in `vars` (HTML-escaped when `html`,
/// unless the name ends in `_html`).
pub fn substitute(template: &str, vars: &[(&str, String)], html: bool) -> String {
    let mut out = String::with_capacity(template.len() + 64);
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            out.push_str(&rest[start..]);
            return out;
        };
        let name = after[..end].trim();
        match vars.iter().find(|(key, _)| *key == name) {
            Some((_, value)) if html && !name.ends_with("_html") => out.push_str(&escape(value)),
            Some((_, value)) => out.push_str(value),
            None => out.push_str(&rest[start..start + 2 + end + 2]),
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn substitutes_and_escapes_only_the_html_part() {
        let vars = [
            ("name", "<Ann & Bob>".to_string()),
            ("x_html", "<b>x</b>".into()),
        ];
        assert_eq!(substitute("Hi {{name}}!", &vars, false), "Hi <Ann & Bob>!");
        assert_eq!(
            substitute("Hi {{ name }} {{x_html}}", &vars, true),
            "Hi &lt;Ann &amp; Bob&gt; <b>x</b>"
        );
        assert_eq!(
            substitute("{{unknown}} {{open", &vars, false),
            "{{unknown}} {{open"
        );
    }

    #[test]
    fn every_template_renders_its_subject_on_one_line() {
        let vars = [("order_id", "o-1\r\nBcc: x".to_string())];
        let rendered = ORDER_SHIPPED.render(&vars);
        assert_eq!(rendered.subject, "Order o-1  Bcc: x has shipped");
        assert!(rendered.html.contains("o-1"));
        for t in [
            VERIFY_EMAIL,
            PASSWORD_RESET,
            ORDER_CONFIRMED,
            ORDER_DELIVERED,
        ] {
            assert!(
                !t.text.is_empty() && t.html.contains("<html>"),
                "{}",
                t.name
            );
        }
        for t in [
            EMAIL_CHANGE,
            EMAIL_CHANGED,
            ORDER_CANCELLED,
            ORDER_REFUNDED,
            RETURN_REQUESTED,
            RETURN_APPROVED,
            RETURN_REJECTED,
            RETURN_RECEIVED,
            LOW_STOCK,
            CONTACT_MESSAGE,
        ] {
            assert!(
                !t.text.is_empty() && t.html.contains("<html>"),
                "{}",
                t.name
            );
        }
    }
}
