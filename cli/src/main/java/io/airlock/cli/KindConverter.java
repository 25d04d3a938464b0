package io.airlock.cli;

import io.airlock.contracts.Kind;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** model or kernel, any case. */
final class KindConverter implements ITypeConverter<Kind> {
    @Override
    public Kind convert(String value) {
        try {
            return Kind.parse(value);
        } catch (IllegalArgumentException e) {
            throw new TypeConversionException(e.getMessage());
        }
    }
}
