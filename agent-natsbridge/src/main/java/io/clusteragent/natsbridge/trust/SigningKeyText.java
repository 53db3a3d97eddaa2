package io.clusteragent.natsbridge.trust;

import io.clusteragent.protocol.PlatformKeys;
import jakarta.validation.Constraint;
import jakarta.validation.ConstraintValidator;
import jakarta.validation.ConstraintValidatorContext;
import jakarta.validation.Payload;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Text holding Ed25519 public keys (PEM or base64), checked at start-up so a typo is one clear
 * line.
 */
@Target({ElementType.FIELD, ElementType.PARAMETER, ElementType.RECORD_COMPONENT})
@Retention(RetentionPolicy.RUNTIME)
@Constraint(validatedBy = SigningKeyText.Validator.class)
public @interface SigningKeyText {

  String message() default "Ed25519 public keys, PEM or base64 (several allowed)";

  Class<?>[] groups() default {};

  Class<? extends Payload>[] payload() default {};

  final class Validator implements ConstraintValidator<SigningKeyText, String> {
    @Override
    public boolean isValid(String value, ConstraintValidatorContext context) {
      if (value == null || value.isBlank()) {
        return true;
      }
      try {
        return !PlatformKeys.publicKeys(value).isEmpty();
      } catch (IllegalArgumentException e) {
        return false;
      }
    }
  }
}
