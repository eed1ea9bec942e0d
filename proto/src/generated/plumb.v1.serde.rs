impl serde::Serialize for Ack {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if self.seq != 0 {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("plumb.v1.Ack", len)?;
        if self.seq != 0 {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("seq", ToString::to_string(&self.seq).as_str())?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for Ack {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "seq",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            Seq,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "seq" => Ok(GeneratedField::Seq),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = Ack;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct plumb.v1.Ack")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<Ack, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut seq__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::Seq => {
                            if seq__.is_some() {
                                return Err(serde::de::Error::duplicate_field("seq"));
                            }
                            seq__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                    }
                }
                Ok(Ack {
                    seq: seq__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("plumb.v1.Ack", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for AdvisorySeverity {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        let variant = match self {
            Self::Unspecified => "ADVISORY_SEVERITY_UNSPECIFIED",
            Self::Unknown => "ADVISORY_SEVERITY_UNKNOWN",
            Self::Low => "ADVISORY_SEVERITY_LOW",
            Self::Medium => "ADVISORY_SEVERITY_MEDIUM",
            Self::High => "ADVISORY_SEVERITY_HIGH",
            Self::Critical => "ADVISORY_SEVERITY_CRITICAL",
        };
        serializer.serialize_str(variant)
    }
}
impl<'de> serde::Deserialize<'de> for AdvisorySeverity {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "ADVISORY_SEVERITY_UNSPECIFIED",
            "ADVISORY_SEVERITY_UNKNOWN",
            "ADVISORY_SEVERITY_LOW",
            "ADVISORY_SEVERITY_MEDIUM",
            "ADVISORY_SEVERITY_HIGH",
            "ADVISORY_SEVERITY_CRITICAL",
        ];

        struct GeneratedVisitor;

        impl serde::de::Visitor<'_> for GeneratedVisitor {
            type Value = AdvisorySeverity;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(formatter, "expected one of: {:?}", &FIELDS)
            }

            fn visit_i64<E>(self, v: i64) -> std::result::Result<Self::Value, E>
            where
                E: serde::de::Error,
            {
                i32::try_from(v)
                    .ok()
                    .and_then(|x| x.try_into().ok())
                    .ok_or_else(|| {
                        serde::de::Error::invalid_value(serde::de::Unexpected::Signed(v), &self)
                    })
            }

            fn visit_u64<E>(self, v: u64) -> std::result::Result<Self::Value, E>
            where
                E: serde::de::Error,
            {
                i32::try_from(v)
                    .ok()
                    .and_then(|x| x.try_into().ok())
                    .ok_or_else(|| {
                        serde::de::Error::invalid_value(serde::de::Unexpected::Unsigned(v), &self)
                    })
            }

            fn visit_str<E>(self, value: &str) -> std::result::Result<Self::Value, E>
            where
                E: serde::de::Error,
            {
                match value {
                    "ADVISORY_SEVERITY_UNSPECIFIED" => Ok(AdvisorySeverity::Unspecified),
                    "ADVISORY_SEVERITY_UNKNOWN" => Ok(AdvisorySeverity::Unknown),
                    "ADVISORY_SEVERITY_LOW" => Ok(AdvisorySeverity::Low),
                    "ADVISORY_SEVERITY_MEDIUM" => Ok(AdvisorySeverity::Medium),
                    "ADVISORY_SEVERITY_HIGH" => Ok(AdvisorySeverity::High),
                    "ADVISORY_SEVERITY_CRITICAL" => Ok(AdvisorySeverity::Critical),
                    _ => Err(serde::de::Error::unknown_variant(value, FIELDS)),
                }
            }
        }
        deserializer.deserialize_any(GeneratedVisitor)
    }
}
impl serde::Serialize for AdvisorySummary {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if !self.id.is_empty() {
            len += 1;
        }
        if !self.aliases.is_empty() {
            len += 1;
        }
        if !self.summary.is_empty() {
            len += 1;
        }
        if self.severity != 0 {
            len += 1;
        }
        if !self.modified.is_empty() {
            len += 1;
        }
        if !self.packages.is_empty() {
            len += 1;
        }
        if self.images != 0 {
            len += 1;
        }
        if self.nodes != 0 {
            len += 1;
        }
        if self.containers != 0 {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("plumb.v1.AdvisorySummary", len)?;
        if !self.id.is_empty() {
            struct_ser.serialize_field("id", &self.id)?;
        }
        if !self.aliases.is_empty() {
            struct_ser.serialize_field("aliases", &self.aliases)?;
        }
        if !self.summary.is_empty() {
            struct_ser.serialize_field("summary", &self.summary)?;
        }
        if self.severity != 0 {
            let v = AdvisorySeverity::try_from(self.severity)
                .map_err(|_| serde::ser::Error::custom(format!("Invalid variant {}", self.severity)))?;
            struct_ser.serialize_field("severity", &v)?;
        }
        if !self.modified.is_empty() {
            struct_ser.serialize_field("modified", &self.modified)?;
        }
        if !self.packages.is_empty() {
            struct_ser.serialize_field("packages", &self.packages)?;
        }
        if self.images != 0 {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("images", ToString::to_string(&self.images).as_str())?;
        }
        if self.nodes != 0 {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("nodes", ToString::to_string(&self.nodes).as_str())?;
        }
        if self.containers != 0 {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("containers", ToString::to_string(&self.containers).as_str())?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for AdvisorySummary {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "id",
            "aliases",
            "summary",
            "severity",
            "modified",
            "packages",
            "images",
            "nodes",
            "containers",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            Id,
            Aliases,
            Summary,
            Severity,
            Modified,
            Packages,
            Images,
            Nodes,
            Containers,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "id" => Ok(GeneratedField::Id),
                            "aliases" => Ok(GeneratedField::Aliases),
                            "summary" => Ok(GeneratedField::Summary),
                            "severity" => Ok(GeneratedField::Severity),
                            "modified" => Ok(GeneratedField::Modified),
                            "packages" => Ok(GeneratedField::Packages),
                            "images" => Ok(GeneratedField::Images),
                            "nodes" => Ok(GeneratedField::Nodes),
                            "containers" => Ok(GeneratedField::Containers),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = AdvisorySummary;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct plumb.v1.AdvisorySummary")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<AdvisorySummary, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut id__ = None;
                let mut aliases__ = None;
                let mut summary__ = None;
                let mut severity__ = None;
                let mut modified__ = None;
                let mut packages__ = None;
                let mut images__ = None;
                let mut nodes__ = None;
                let mut containers__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::Id => {
                            if id__.is_some() {
                                return Err(serde::de::Error::duplicate_field("id"));
                            }
                            id__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Aliases => {
                            if aliases__.is_some() {
                                return Err(serde::de::Error::duplicate_field("aliases"));
                            }
                            aliases__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Summary => {
                            if summary__.is_some() {
                                return Err(serde::de::Error::duplicate_field("summary"));
                            }
                            summary__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Severity => {
                            if severity__.is_some() {
                                return Err(serde::de::Error::duplicate_field("severity"));
                            }
                            severity__ = Some(map_.next_value::<AdvisorySeverity>()? as i32);
                        }
                        GeneratedField::Modified => {
                            if modified__.is_some() {
                                return Err(serde::de::Error::duplicate_field("modified"));
                            }
                            modified__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Packages => {
                            if packages__.is_some() {
                                return Err(serde::de::Error::duplicate_field("packages"));
                            }
                            packages__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Images => {
                            if images__.is_some() {
                                return Err(serde::de::Error::duplicate_field("images"));
                            }
                            images__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Nodes => {
                            if nodes__.is_some() {
                                return Err(serde::de::Error::duplicate_field("nodes"));
                            }
                            nodes__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Containers => {
                            if containers__.is_some() {
                                return Err(serde::de::Error::duplicate_field("containers"));
                            }
                            containers__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                    }
                }
                Ok(AdvisorySummary {
                    id: id__.unwrap_or_default(),
                    aliases: aliases__.unwrap_or_default(),
                    summary: summary__.unwrap_or_default(),
                    severity: severity__.unwrap_or_default(),
                    modified: modified__.unwrap_or_default(),
                    packages: packages__.unwrap_or_default(),
                    images: images__.unwrap_or_default(),
                    nodes: nodes__.unwrap_or_default(),
                    containers: containers__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("plumb.v1.AdvisorySummary", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for AgentMessage {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if self.seq != 0 {
            len += 1;
        }
        if !self.prev_hash.is_empty() {
            len += 1;
        }
        if self.body.is_some() {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("plumb.v1.AgentMessage", len)?;
        if self.seq != 0 {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("seq", ToString::to_string(&self.seq).as_str())?;
        }
        if !self.prev_hash.is_empty() {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("prevHash", pbjson::private::base64::encode(&self.prev_hash).as_str())?;
        }
        if let Some(v) = self.body.as_ref() {
            match v {
                agent_message::Body::Hello(v) => {
                    struct_ser.serialize_field("hello", v)?;
                }
                agent_message::Body::Batch(v) => {
                    struct_ser.serialize_field("batch", v)?;
                }
                agent_message::Body::Summary(v) => {
                    struct_ser.serialize_field("summary", v)?;
                }
                agent_message::Body::Heartbeat(v) => {
                    struct_ser.serialize_field("heartbeat", v)?;
                }
                agent_message::Body::Containers(v) => {
                    struct_ser.serialize_field("containers", v)?;
                }
            }
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for AgentMessage {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "seq",
            "prev_hash",
            "prevHash",
            "hello",
            "batch",
            "summary",
            "heartbeat",
            "containers",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            Seq,
            PrevHash,
            Hello,
            Batch,
            Summary,
            Heartbeat,
            Containers,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "seq" => Ok(GeneratedField::Seq),
                            "prevHash" | "prev_hash" => Ok(GeneratedField::PrevHash),
                            "hello" => Ok(GeneratedField::Hello),
                            "batch" => Ok(GeneratedField::Batch),
                            "summary" => Ok(GeneratedField::Summary),
                            "heartbeat" => Ok(GeneratedField::Heartbeat),
                            "containers" => Ok(GeneratedField::Containers),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = AgentMessage;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct plumb.v1.AgentMessage")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<AgentMessage, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut seq__ = None;
                let mut prev_hash__ = None;
                let mut body__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::Seq => {
                            if seq__.is_some() {
                                return Err(serde::de::Error::duplicate_field("seq"));
                            }
                            seq__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::PrevHash => {
                            if prev_hash__.is_some() {
                                return Err(serde::de::Error::duplicate_field("prevHash"));
                            }
                            prev_hash__ = 
                                Some(map_.next_value::<::pbjson::private::BytesDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Hello => {
                            if body__.is_some() {
                                return Err(serde::de::Error::duplicate_field("hello"));
                            }
                            body__ = map_.next_value::<::std::option::Option<_>>()?.map(agent_message::Body::Hello)
;
                        }
                        GeneratedField::Batch => {
                            if body__.is_some() {
                                return Err(serde::de::Error::duplicate_field("batch"));
                            }
                            body__ = map_.next_value::<::std::option::Option<_>>()?.map(agent_message::Body::Batch)
;
                        }
                        GeneratedField::Summary => {
                            if body__.is_some() {
                                return Err(serde::de::Error::duplicate_field("summary"));
                            }
                            body__ = map_.next_value::<::std::option::Option<_>>()?.map(agent_message::Body::Summary)
;
                        }
                        GeneratedField::Heartbeat => {
                            if body__.is_some() {
                                return Err(serde::de::Error::duplicate_field("heartbeat"));
                            }
                            body__ = map_.next_value::<::std::option::Option<_>>()?.map(agent_message::Body::Heartbeat)
;
                        }
                        GeneratedField::Containers => {
                            if body__.is_some() {
                                return Err(serde::de::Error::duplicate_field("containers"));
                            }
                            body__ = map_.next_value::<::std::option::Option<_>>()?.map(agent_message::Body::Containers)
;
                        }
                    }
                }
                Ok(AgentMessage {
                    seq: seq__.unwrap_or_default(),
                    prev_hash: prev_hash__.unwrap_or_default(),
                    body: body__,
                })
            }
        }
        deserializer.deserialize_struct("plumb.v1.AgentMessage", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for AuditEntry {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if self.at_unix_ms != 0 {
            len += 1;
        }
        if !self.actor.is_empty() {
            len += 1;
        }
        if self.role != 0 {
            len += 1;
        }
        if !self.action.is_empty() {
            len += 1;
        }
        if !self.target.is_empty() {
            len += 1;
        }
        if !self.source.is_empty() {
            len += 1;
        }
        if self.outcome != 0 {
            len += 1;
        }
        if !self.detail.is_empty() {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("plumb.v1.AuditEntry", len)?;
        if self.at_unix_ms != 0 {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("atUnixMs", ToString::to_string(&self.at_unix_ms).as_str())?;
        }
        if !self.actor.is_empty() {
            struct_ser.serialize_field("actor", &self.actor)?;
        }
        if self.role != 0 {
            let v = Caller::try_from(self.role)
                .map_err(|_| serde::ser::Error::custom(format!("Invalid variant {}", self.role)))?;
            struct_ser.serialize_field("role", &v)?;
        }
        if !self.action.is_empty() {
            struct_ser.serialize_field("action", &self.action)?;
        }
        if !self.target.is_empty() {
            struct_ser.serialize_field("target", &self.target)?;
        }
        if !self.source.is_empty() {
            struct_ser.serialize_field("source", &self.source)?;
        }
        if self.outcome != 0 {
            let v = AuditOutcome::try_from(self.outcome)
                .map_err(|_| serde::ser::Error::custom(format!("Invalid variant {}", self.outcome)))?;
            struct_ser.serialize_field("outcome", &v)?;
        }
        if !self.detail.is_empty() {
            struct_ser.serialize_field("detail", &self.detail)?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for AuditEntry {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "at_unix_ms",
            "atUnixMs",
            "actor",
            "role",
            "action",
            "target",
            "source",
            "outcome",
            "detail",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            AtUnixMs,
            Actor,
            Role,
            Action,
            Target,
            Source,
            Outcome,
            Detail,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "atUnixMs" | "at_unix_ms" => Ok(GeneratedField::AtUnixMs),
                            "actor" => Ok(GeneratedField::Actor),
                            "role" => Ok(GeneratedField::Role),
                            "action" => Ok(GeneratedField::Action),
                            "target" => Ok(GeneratedField::Target),
                            "source" => Ok(GeneratedField::Source),
                            "outcome" => Ok(GeneratedField::Outcome),
                            "detail" => Ok(GeneratedField::Detail),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = AuditEntry;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct plumb.v1.AuditEntry")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<AuditEntry, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut at_unix_ms__ = None;
                let mut actor__ = None;
                let mut role__ = None;
                let mut action__ = None;
                let mut target__ = None;
                let mut source__ = None;
                let mut outcome__ = None;
                let mut detail__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::AtUnixMs => {
                            if at_unix_ms__.is_some() {
                                return Err(serde::de::Error::duplicate_field("atUnixMs"));
                            }
                            at_unix_ms__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Actor => {
                            if actor__.is_some() {
                                return Err(serde::de::Error::duplicate_field("actor"));
                            }
                            actor__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Role => {
                            if role__.is_some() {
                                return Err(serde::de::Error::duplicate_field("role"));
                            }
                            role__ = Some(map_.next_value::<Caller>()? as i32);
                        }
                        GeneratedField::Action => {
                            if action__.is_some() {
                                return Err(serde::de::Error::duplicate_field("action"));
                            }
                            action__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Target => {
                            if target__.is_some() {
                                return Err(serde::de::Error::duplicate_field("target"));
                            }
                            target__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Source => {
                            if source__.is_some() {
                                return Err(serde::de::Error::duplicate_field("source"));
                            }
                            source__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Outcome => {
                            if outcome__.is_some() {
                                return Err(serde::de::Error::duplicate_field("outcome"));
                            }
                            outcome__ = Some(map_.next_value::<AuditOutcome>()? as i32);
                        }
                        GeneratedField::Detail => {
                            if detail__.is_some() {
                                return Err(serde::de::Error::duplicate_field("detail"));
                            }
                            detail__ = Some(map_.next_value()?);
                        }
                    }
                }
                Ok(AuditEntry {
                    at_unix_ms: at_unix_ms__.unwrap_or_default(),
                    actor: actor__.unwrap_or_default(),
                    role: role__.unwrap_or_default(),
                    action: action__.unwrap_or_default(),
                    target: target__.unwrap_or_default(),
                    source: source__.unwrap_or_default(),
                    outcome: outcome__.unwrap_or_default(),
                    detail: detail__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("plumb.v1.AuditEntry", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for AuditOutcome {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        let variant = match self {
            Self::Unspecified => "AUDIT_OUTCOME_UNSPECIFIED",
            Self::Ok => "AUDIT_OUTCOME_OK",
            Self::Refused => "AUDIT_OUTCOME_REFUSED",
        };
        serializer.serialize_str(variant)
    }
}
impl<'de> serde::Deserialize<'de> for AuditOutcome {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "AUDIT_OUTCOME_UNSPECIFIED",
            "AUDIT_OUTCOME_OK",
            "AUDIT_OUTCOME_REFUSED",
        ];

        struct GeneratedVisitor;

        impl serde::de::Visitor<'_> for GeneratedVisitor {
            type Value = AuditOutcome;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(formatter, "expected one of: {:?}", &FIELDS)
            }

            fn visit_i64<E>(self, v: i64) -> std::result::Result<Self::Value, E>
            where
                E: serde::de::Error,
            {
                i32::try_from(v)
                    .ok()
                    .and_then(|x| x.try_into().ok())
                    .ok_or_else(|| {
                        serde::de::Error::invalid_value(serde::de::Unexpected::Signed(v), &self)
                    })
            }

            fn visit_u64<E>(self, v: u64) -> std::result::Result<Self::Value, E>
            where
                E: serde::de::Error,
            {
                i32::try_from(v)
                    .ok()
                    .and_then(|x| x.try_into().ok())
                    .ok_or_else(|| {
                        serde::de::Error::invalid_value(serde::de::Unexpected::Unsigned(v), &self)
                    })
            }

            fn visit_str<E>(self, value: &str) -> std::result::Result<Self::Value, E>
            where
                E: serde::de::Error,
            {
                match value {
                    "AUDIT_OUTCOME_UNSPECIFIED" => Ok(AuditOutcome::Unspecified),
                    "AUDIT_OUTCOME_OK" => Ok(AuditOutcome::Ok),
                    "AUDIT_OUTCOME_REFUSED" => Ok(AuditOutcome::Refused),
                    _ => Err(serde::de::Error::unknown_variant(value, FIELDS)),
                }
            }
        }
        deserializer.deserialize_any(GeneratedVisitor)
    }
}
impl serde::Serialize for BuilderInfo {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if !self.hostname.is_empty() {
            len += 1;
        }
        if !self.os.is_empty() {
            len += 1;
        }
        if !self.kernel.is_empty() {
            len += 1;
        }
        if !self.agent_version.is_empty() {
            len += 1;
        }
        if !self.root.is_empty() {
            len += 1;
        }
        if !self.image_os.is_empty() {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("plumb.v1.BuilderInfo", len)?;
        if !self.hostname.is_empty() {
            struct_ser.serialize_field("hostname", &self.hostname)?;
        }
        if !self.os.is_empty() {
            struct_ser.serialize_field("os", &self.os)?;
        }
        if !self.kernel.is_empty() {
            struct_ser.serialize_field("kernel", &self.kernel)?;
        }
        if !self.agent_version.is_empty() {
            struct_ser.serialize_field("agentVersion", &self.agent_version)?;
        }
        if !self.root.is_empty() {
            struct_ser.serialize_field("root", &self.root)?;
        }
        if !self.image_os.is_empty() {
            struct_ser.serialize_field("imageOs", &self.image_os)?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for BuilderInfo {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "hostname",
            "os",
            "kernel",
            "agent_version",
            "agentVersion",
            "root",
            "image_os",
            "imageOs",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            Hostname,
            Os,
            Kernel,
            AgentVersion,
            Root,
            ImageOs,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "hostname" => Ok(GeneratedField::Hostname),
                            "os" => Ok(GeneratedField::Os),
                            "kernel" => Ok(GeneratedField::Kernel),
                            "agentVersion" | "agent_version" => Ok(GeneratedField::AgentVersion),
                            "root" => Ok(GeneratedField::Root),
                            "imageOs" | "image_os" => Ok(GeneratedField::ImageOs),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = BuilderInfo;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct plumb.v1.BuilderInfo")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<BuilderInfo, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut hostname__ = None;
                let mut os__ = None;
                let mut kernel__ = None;
                let mut agent_version__ = None;
                let mut root__ = None;
                let mut image_os__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::Hostname => {
                            if hostname__.is_some() {
                                return Err(serde::de::Error::duplicate_field("hostname"));
                            }
                            hostname__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Os => {
                            if os__.is_some() {
                                return Err(serde::de::Error::duplicate_field("os"));
                            }
                            os__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Kernel => {
                            if kernel__.is_some() {
                                return Err(serde::de::Error::duplicate_field("kernel"));
                            }
                            kernel__ = Some(map_.next_value()?);
                        }
                        GeneratedField::AgentVersion => {
                            if agent_version__.is_some() {
                                return Err(serde::de::Error::duplicate_field("agentVersion"));
                            }
                            agent_version__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Root => {
                            if root__.is_some() {
                                return Err(serde::de::Error::duplicate_field("root"));
                            }
                            root__ = Some(map_.next_value()?);
                        }
                        GeneratedField::ImageOs => {
                            if image_os__.is_some() {
                                return Err(serde::de::Error::duplicate_field("imageOs"));
                            }
                            image_os__ = Some(map_.next_value()?);
                        }
                    }
                }
                Ok(BuilderInfo {
                    hostname: hostname__.unwrap_or_default(),
                    os: os__.unwrap_or_default(),
                    kernel: kernel__.unwrap_or_default(),
                    agent_version: agent_version__.unwrap_or_default(),
                    root: root__.unwrap_or_default(),
                    image_os: image_os__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("plumb.v1.BuilderInfo", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for Caller {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        let variant = match self {
            Self::Unspecified => "CALLER_UNSPECIFIED",
            Self::None => "CALLER_NONE",
            Self::Node => "CALLER_NODE",
            Self::Read => "CALLER_READ",
            Self::Operator => "CALLER_OPERATOR",
            Self::Admin => "CALLER_ADMIN",
        };
        serializer.serialize_str(variant)
    }
}
impl<'de> serde::Deserialize<'de> for Caller {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "CALLER_UNSPECIFIED",
            "CALLER_NONE",
            "CALLER_NODE",
            "CALLER_READ",
            "CALLER_OPERATOR",
            "CALLER_ADMIN",
        ];

        struct GeneratedVisitor;

        impl serde::de::Visitor<'_> for GeneratedVisitor {
            type Value = Caller;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(formatter, "expected one of: {:?}", &FIELDS)
            }

            fn visit_i64<E>(self, v: i64) -> std::result::Result<Self::Value, E>
            where
                E: serde::de::Error,
            {
                i32::try_from(v)
                    .ok()
                    .and_then(|x| x.try_into().ok())
                    .ok_or_else(|| {
                        serde::de::Error::invalid_value(serde::de::Unexpected::Signed(v), &self)
                    })
            }

            fn visit_u64<E>(self, v: u64) -> std::result::Result<Self::Value, E>
            where
                E: serde::de::Error,
            {
                i32::try_from(v)
                    .ok()
                    .and_then(|x| x.try_into().ok())
                    .ok_or_else(|| {
                        serde::de::Error::invalid_value(serde::de::Unexpected::Unsigned(v), &self)
                    })
            }

            fn visit_str<E>(self, value: &str) -> std::result::Result<Self::Value, E>
            where
                E: serde::de::Error,
            {
                match value {
                    "CALLER_UNSPECIFIED" => Ok(Caller::Unspecified),
                    "CALLER_NONE" => Ok(Caller::None),
                    "CALLER_NODE" => Ok(Caller::Node),
                    "CALLER_READ" => Ok(Caller::Read),
                    "CALLER_OPERATOR" => Ok(Caller::Operator),
                    "CALLER_ADMIN" => Ok(Caller::Admin),
                    _ => Err(serde::de::Error::unknown_variant(value, FIELDS)),
                }
            }
        }
        deserializer.deserialize_any(GeneratedVisitor)
    }
}
impl serde::Serialize for CollectorMessage {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if self.body.is_some() {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("plumb.v1.CollectorMessage", len)?;
        if let Some(v) = self.body.as_ref() {
            match v {
                collector_message::Body::HelloAck(v) => {
                    struct_ser.serialize_field("helloAck", v)?;
                }
                collector_message::Body::Ack(v) => {
                    struct_ser.serialize_field("ack", v)?;
                }
                collector_message::Body::Command(v) => {
                    struct_ser.serialize_field("command", v)?;
                }
            }
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for CollectorMessage {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "hello_ack",
            "helloAck",
            "ack",
            "command",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            HelloAck,
            Ack,
            Command,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "helloAck" | "hello_ack" => Ok(GeneratedField::HelloAck),
                            "ack" => Ok(GeneratedField::Ack),
                            "command" => Ok(GeneratedField::Command),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = CollectorMessage;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct plumb.v1.CollectorMessage")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<CollectorMessage, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut body__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::HelloAck => {
                            if body__.is_some() {
                                return Err(serde::de::Error::duplicate_field("helloAck"));
                            }
                            body__ = map_.next_value::<::std::option::Option<_>>()?.map(collector_message::Body::HelloAck)
;
                        }
                        GeneratedField::Ack => {
                            if body__.is_some() {
                                return Err(serde::de::Error::duplicate_field("ack"));
                            }
                            body__ = map_.next_value::<::std::option::Option<_>>()?.map(collector_message::Body::Ack)
;
                        }
                        GeneratedField::Command => {
                            if body__.is_some() {
                                return Err(serde::de::Error::duplicate_field("command"));
                            }
                            body__ = map_.next_value::<::std::option::Option<_>>()?.map(collector_message::Body::Command)
;
                        }
                    }
                }
                Ok(CollectorMessage {
                    body: body__,
                })
            }
        }
        deserializer.deserialize_struct("plumb.v1.CollectorMessage", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for Command {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if self.kind != 0 {
            len += 1;
        }
        if !self.policy_toml.is_empty() {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("plumb.v1.Command", len)?;
        if self.kind != 0 {
            let v = CommandKind::try_from(self.kind)
                .map_err(|_| serde::ser::Error::custom(format!("Invalid variant {}", self.kind)))?;
            struct_ser.serialize_field("kind", &v)?;
        }
        if !self.policy_toml.is_empty() {
            struct_ser.serialize_field("policyToml", &self.policy_toml)?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for Command {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "kind",
            "policy_toml",
            "policyToml",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            Kind,
            PolicyToml,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "kind" => Ok(GeneratedField::Kind),
                            "policyToml" | "policy_toml" => Ok(GeneratedField::PolicyToml),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = Command;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct plumb.v1.Command")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<Command, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut kind__ = None;
                let mut policy_toml__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::Kind => {
                            if kind__.is_some() {
                                return Err(serde::de::Error::duplicate_field("kind"));
                            }
                            kind__ = Some(map_.next_value::<CommandKind>()? as i32);
                        }
                        GeneratedField::PolicyToml => {
                            if policy_toml__.is_some() {
                                return Err(serde::de::Error::duplicate_field("policyToml"));
                            }
                            policy_toml__ = Some(map_.next_value()?);
                        }
                    }
                }
                Ok(Command {
                    kind: kind__.unwrap_or_default(),
                    policy_toml: policy_toml__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("plumb.v1.Command", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for CommandKind {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        let variant = match self {
            Self::Unspecified => "COMMAND_KIND_UNSPECIFIED",
            Self::Rescan => "COMMAND_KIND_RESCAN",
            Self::FullRescan => "COMMAND_KIND_FULL_RESCAN",
            Self::SetPolicy => "COMMAND_KIND_SET_POLICY",
        };
        serializer.serialize_str(variant)
    }
}
impl<'de> serde::Deserialize<'de> for CommandKind {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "COMMAND_KIND_UNSPECIFIED",
            "COMMAND_KIND_RESCAN",
            "COMMAND_KIND_FULL_RESCAN",
            "COMMAND_KIND_SET_POLICY",
        ];

        struct GeneratedVisitor;

        impl serde::de::Visitor<'_> for GeneratedVisitor {
            type Value = CommandKind;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(formatter, "expected one of: {:?}", &FIELDS)
            }

            fn visit_i64<E>(self, v: i64) -> std::result::Result<Self::Value, E>
            where
                E: serde::de::Error,
            {
                i32::try_from(v)
                    .ok()
                    .and_then(|x| x.try_into().ok())
                    .ok_or_else(|| {
                        serde::de::Error::invalid_value(serde::de::Unexpected::Signed(v), &self)
                    })
            }

            fn visit_u64<E>(self, v: u64) -> std::result::Result<Self::Value, E>
            where
                E: serde::de::Error,
            {
                i32::try_from(v)
                    .ok()
                    .and_then(|x| x.try_into().ok())
                    .ok_or_else(|| {
                        serde::de::Error::invalid_value(serde::de::Unexpected::Unsigned(v), &self)
                    })
            }

            fn visit_str<E>(self, value: &str) -> std::result::Result<Self::Value, E>
            where
                E: serde::de::Error,
            {
                match value {
                    "COMMAND_KIND_UNSPECIFIED" => Ok(CommandKind::Unspecified),
                    "COMMAND_KIND_RESCAN" => Ok(CommandKind::Rescan),
                    "COMMAND_KIND_FULL_RESCAN" => Ok(CommandKind::FullRescan),
                    "COMMAND_KIND_SET_POLICY" => Ok(CommandKind::SetPolicy),
                    _ => Err(serde::de::Error::unknown_variant(value, FIELDS)),
                }
            }
        }
        deserializer.deserialize_any(GeneratedVisitor)
    }
}
impl serde::Serialize for ContainerImage {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if !self.manifest_digests.is_empty() {
            len += 1;
        }
        if !self.layers.is_empty() {
            len += 1;
        }
        if !self.entrypoint.is_empty() {
            len += 1;
        }
        if !self.cmd.is_empty() {
            len += 1;
        }
        if !self.user.is_empty() {
            len += 1;
        }
        if !self.working_dir.is_empty() {
            len += 1;
        }
        if !self.exposed_ports.is_empty() {
            len += 1;
        }
        if !self.volumes.is_empty() {
            len += 1;
        }
        if !self.names.is_empty() {
            len += 1;
        }
        if !self.os.is_empty() {
            len += 1;
        }
        if !self.architecture.is_empty() {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("plumb.v1.ContainerImage", len)?;
        if !self.manifest_digests.is_empty() {
            struct_ser.serialize_field("manifestDigests", &self.manifest_digests)?;
        }
        if !self.layers.is_empty() {
            struct_ser.serialize_field("layers", &self.layers)?;
        }
        if !self.entrypoint.is_empty() {
            struct_ser.serialize_field("entrypoint", &self.entrypoint)?;
        }
        if !self.cmd.is_empty() {
            struct_ser.serialize_field("cmd", &self.cmd)?;
        }
        if !self.user.is_empty() {
            struct_ser.serialize_field("user", &self.user)?;
        }
        if !self.working_dir.is_empty() {
            struct_ser.serialize_field("workingDir", &self.working_dir)?;
        }
        if !self.exposed_ports.is_empty() {
            struct_ser.serialize_field("exposedPorts", &self.exposed_ports)?;
        }
        if !self.volumes.is_empty() {
            struct_ser.serialize_field("volumes", &self.volumes)?;
        }
        if !self.names.is_empty() {
            struct_ser.serialize_field("names", &self.names)?;
        }
        if !self.os.is_empty() {
            struct_ser.serialize_field("os", &self.os)?;
        }
        if !self.architecture.is_empty() {
            struct_ser.serialize_field("architecture", &self.architecture)?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for ContainerImage {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "manifest_digests",
            "manifestDigests",
            "layers",
            "entrypoint",
            "cmd",
            "user",
            "working_dir",
            "workingDir",
            "exposed_ports",
            "exposedPorts",
            "volumes",
            "names",
            "os",
            "architecture",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            ManifestDigests,
            Layers,
            Entrypoint,
            Cmd,
            User,
            WorkingDir,
            ExposedPorts,
            Volumes,
            Names,
            Os,
            Architecture,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "manifestDigests" | "manifest_digests" => Ok(GeneratedField::ManifestDigests),
                            "layers" => Ok(GeneratedField::Layers),
                            "entrypoint" => Ok(GeneratedField::Entrypoint),
                            "cmd" => Ok(GeneratedField::Cmd),
                            "user" => Ok(GeneratedField::User),
                            "workingDir" | "working_dir" => Ok(GeneratedField::WorkingDir),
                            "exposedPorts" | "exposed_ports" => Ok(GeneratedField::ExposedPorts),
                            "volumes" => Ok(GeneratedField::Volumes),
                            "names" => Ok(GeneratedField::Names),
                            "os" => Ok(GeneratedField::Os),
                            "architecture" => Ok(GeneratedField::Architecture),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = ContainerImage;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct plumb.v1.ContainerImage")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<ContainerImage, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut manifest_digests__ = None;
                let mut layers__ = None;
                let mut entrypoint__ = None;
                let mut cmd__ = None;
                let mut user__ = None;
                let mut working_dir__ = None;
                let mut exposed_ports__ = None;
                let mut volumes__ = None;
                let mut names__ = None;
                let mut os__ = None;
                let mut architecture__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::ManifestDigests => {
                            if manifest_digests__.is_some() {
                                return Err(serde::de::Error::duplicate_field("manifestDigests"));
                            }
                            manifest_digests__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Layers => {
                            if layers__.is_some() {
                                return Err(serde::de::Error::duplicate_field("layers"));
                            }
                            layers__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Entrypoint => {
                            if entrypoint__.is_some() {
                                return Err(serde::de::Error::duplicate_field("entrypoint"));
                            }
                            entrypoint__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Cmd => {
                            if cmd__.is_some() {
                                return Err(serde::de::Error::duplicate_field("cmd"));
                            }
                            cmd__ = Some(map_.next_value()?);
                        }
                        GeneratedField::User => {
                            if user__.is_some() {
                                return Err(serde::de::Error::duplicate_field("user"));
                            }
                            user__ = Some(map_.next_value()?);
                        }
                        GeneratedField::WorkingDir => {
                            if working_dir__.is_some() {
                                return Err(serde::de::Error::duplicate_field("workingDir"));
                            }
                            working_dir__ = Some(map_.next_value()?);
                        }
                        GeneratedField::ExposedPorts => {
                            if exposed_ports__.is_some() {
                                return Err(serde::de::Error::duplicate_field("exposedPorts"));
                            }
                            exposed_ports__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Volumes => {
                            if volumes__.is_some() {
                                return Err(serde::de::Error::duplicate_field("volumes"));
                            }
                            volumes__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Names => {
                            if names__.is_some() {
                                return Err(serde::de::Error::duplicate_field("names"));
                            }
                            names__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Os => {
                            if os__.is_some() {
                                return Err(serde::de::Error::duplicate_field("os"));
                            }
                            os__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Architecture => {
                            if architecture__.is_some() {
                                return Err(serde::de::Error::duplicate_field("architecture"));
                            }
                            architecture__ = Some(map_.next_value()?);
                        }
                    }
                }
                Ok(ContainerImage {
                    manifest_digests: manifest_digests__.unwrap_or_default(),
                    layers: layers__.unwrap_or_default(),
                    entrypoint: entrypoint__.unwrap_or_default(),
                    cmd: cmd__.unwrap_or_default(),
                    user: user__.unwrap_or_default(),
                    working_dir: working_dir__.unwrap_or_default(),
                    exposed_ports: exposed_ports__.unwrap_or_default(),
                    volumes: volumes__.unwrap_or_default(),
                    names: names__.unwrap_or_default(),
                    os: os__.unwrap_or_default(),
                    architecture: architecture__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("plumb.v1.ContainerImage", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for ContainerInfo {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if !self.id.is_empty() {
            len += 1;
        }
        if !self.name.is_empty() {
            len += 1;
        }
        if !self.runtime.is_empty() {
            len += 1;
        }
        if !self.image.is_empty() {
            len += 1;
        }
        if !self.image_id.is_empty() {
            len += 1;
        }
        if !self.pod.is_empty() {
            len += 1;
        }
        if !self.namespace.is_empty() {
            len += 1;
        }
        if !self.pod_container.is_empty() {
            len += 1;
        }
        if self.started_unix_ms != 0 {
            len += 1;
        }
        if self.processes != 0 {
            len += 1;
        }
        if self.status != 0 {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("plumb.v1.ContainerInfo", len)?;
        if !self.id.is_empty() {
            struct_ser.serialize_field("id", &self.id)?;
        }
        if !self.name.is_empty() {
            struct_ser.serialize_field("name", &self.name)?;
        }
        if !self.runtime.is_empty() {
            struct_ser.serialize_field("runtime", &self.runtime)?;
        }
        if !self.image.is_empty() {
            struct_ser.serialize_field("image", &self.image)?;
        }
        if !self.image_id.is_empty() {
            struct_ser.serialize_field("imageId", &self.image_id)?;
        }
        if !self.pod.is_empty() {
            struct_ser.serialize_field("pod", &self.pod)?;
        }
        if !self.namespace.is_empty() {
            struct_ser.serialize_field("namespace", &self.namespace)?;
        }
        if !self.pod_container.is_empty() {
            struct_ser.serialize_field("podContainer", &self.pod_container)?;
        }
        if self.started_unix_ms != 0 {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("startedUnixMs", ToString::to_string(&self.started_unix_ms).as_str())?;
        }
        if self.processes != 0 {
            struct_ser.serialize_field("processes", &self.processes)?;
        }
        if self.status != 0 {
            let v = ContainerStatus::try_from(self.status)
                .map_err(|_| serde::ser::Error::custom(format!("Invalid variant {}", self.status)))?;
            struct_ser.serialize_field("status", &v)?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for ContainerInfo {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "id",
            "name",
            "runtime",
            "image",
            "image_id",
            "imageId",
            "pod",
            "namespace",
            "pod_container",
            "podContainer",
            "started_unix_ms",
            "startedUnixMs",
            "processes",
            "status",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            Id,
            Name,
            Runtime,
            Image,
            ImageId,
            Pod,
            Namespace,
            PodContainer,
            StartedUnixMs,
            Processes,
            Status,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "id" => Ok(GeneratedField::Id),
                            "name" => Ok(GeneratedField::Name),
                            "runtime" => Ok(GeneratedField::Runtime),
                            "image" => Ok(GeneratedField::Image),
                            "imageId" | "image_id" => Ok(GeneratedField::ImageId),
                            "pod" => Ok(GeneratedField::Pod),
                            "namespace" => Ok(GeneratedField::Namespace),
                            "podContainer" | "pod_container" => Ok(GeneratedField::PodContainer),
                            "startedUnixMs" | "started_unix_ms" => Ok(GeneratedField::StartedUnixMs),
                            "processes" => Ok(GeneratedField::Processes),
                            "status" => Ok(GeneratedField::Status),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = ContainerInfo;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct plumb.v1.ContainerInfo")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<ContainerInfo, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut id__ = None;
                let mut name__ = None;
                let mut runtime__ = None;
                let mut image__ = None;
                let mut image_id__ = None;
                let mut pod__ = None;
                let mut namespace__ = None;
                let mut pod_container__ = None;
                let mut started_unix_ms__ = None;
                let mut processes__ = None;
                let mut status__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::Id => {
                            if id__.is_some() {
                                return Err(serde::de::Error::duplicate_field("id"));
                            }
                            id__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Name => {
                            if name__.is_some() {
                                return Err(serde::de::Error::duplicate_field("name"));
                            }
                            name__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Runtime => {
                            if runtime__.is_some() {
                                return Err(serde::de::Error::duplicate_field("runtime"));
                            }
                            runtime__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Image => {
                            if image__.is_some() {
                                return Err(serde::de::Error::duplicate_field("image"));
                            }
                            image__ = Some(map_.next_value()?);
                        }
                        GeneratedField::ImageId => {
                            if image_id__.is_some() {
                                return Err(serde::de::Error::duplicate_field("imageId"));
                            }
                            image_id__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Pod => {
                            if pod__.is_some() {
                                return Err(serde::de::Error::duplicate_field("pod"));
                            }
                            pod__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Namespace => {
                            if namespace__.is_some() {
                                return Err(serde::de::Error::duplicate_field("namespace"));
                            }
                            namespace__ = Some(map_.next_value()?);
                        }
                        GeneratedField::PodContainer => {
                            if pod_container__.is_some() {
                                return Err(serde::de::Error::duplicate_field("podContainer"));
                            }
                            pod_container__ = Some(map_.next_value()?);
                        }
                        GeneratedField::StartedUnixMs => {
                            if started_unix_ms__.is_some() {
                                return Err(serde::de::Error::duplicate_field("startedUnixMs"));
                            }
                            started_unix_ms__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Processes => {
                            if processes__.is_some() {
                                return Err(serde::de::Error::duplicate_field("processes"));
                            }
                            processes__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Status => {
                            if status__.is_some() {
                                return Err(serde::de::Error::duplicate_field("status"));
                            }
                            status__ = Some(map_.next_value::<ContainerStatus>()? as i32);
                        }
                    }
                }
                Ok(ContainerInfo {
                    id: id__.unwrap_or_default(),
                    name: name__.unwrap_or_default(),
                    runtime: runtime__.unwrap_or_default(),
                    image: image__.unwrap_or_default(),
                    image_id: image_id__.unwrap_or_default(),
                    pod: pod__.unwrap_or_default(),
                    namespace: namespace__.unwrap_or_default(),
                    pod_container: pod_container__.unwrap_or_default(),
                    started_unix_ms: started_unix_ms__.unwrap_or_default(),
                    processes: processes__.unwrap_or_default(),
                    status: status__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("plumb.v1.ContainerInfo", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for ContainerList {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if !self.containers.is_empty() {
            len += 1;
        }
        if self.observed_unix_ms != 0 {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("plumb.v1.ContainerList", len)?;
        if !self.containers.is_empty() {
            struct_ser.serialize_field("containers", &self.containers)?;
        }
        if self.observed_unix_ms != 0 {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("observedUnixMs", ToString::to_string(&self.observed_unix_ms).as_str())?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for ContainerList {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "containers",
            "observed_unix_ms",
            "observedUnixMs",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            Containers,
            ObservedUnixMs,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "containers" => Ok(GeneratedField::Containers),
                            "observedUnixMs" | "observed_unix_ms" => Ok(GeneratedField::ObservedUnixMs),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = ContainerList;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct plumb.v1.ContainerList")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<ContainerList, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut containers__ = None;
                let mut observed_unix_ms__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::Containers => {
                            if containers__.is_some() {
                                return Err(serde::de::Error::duplicate_field("containers"));
                            }
                            containers__ = Some(map_.next_value()?);
                        }
                        GeneratedField::ObservedUnixMs => {
                            if observed_unix_ms__.is_some() {
                                return Err(serde::de::Error::duplicate_field("observedUnixMs"));
                            }
                            observed_unix_ms__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                    }
                }
                Ok(ContainerList {
                    containers: containers__.unwrap_or_default(),
                    observed_unix_ms: observed_unix_ms__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("plumb.v1.ContainerList", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for ContainerState {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        let variant = match self {
            Self::Unspecified => "CONTAINER_STATE_UNSPECIFIED",
            Self::Verified => "CONTAINER_STATE_VERIFIED",
            Self::Drifted => "CONTAINER_STATE_DRIFTED",
            Self::Unverified => "CONTAINER_STATE_UNVERIFIED",
            Self::Error => "CONTAINER_STATE_ERROR",
        };
        serializer.serialize_str(variant)
    }
}
impl<'de> serde::Deserialize<'de> for ContainerState {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "CONTAINER_STATE_UNSPECIFIED",
            "CONTAINER_STATE_VERIFIED",
            "CONTAINER_STATE_DRIFTED",
            "CONTAINER_STATE_UNVERIFIED",
            "CONTAINER_STATE_ERROR",
        ];

        struct GeneratedVisitor;

        impl serde::de::Visitor<'_> for GeneratedVisitor {
            type Value = ContainerState;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(formatter, "expected one of: {:?}", &FIELDS)
            }

            fn visit_i64<E>(self, v: i64) -> std::result::Result<Self::Value, E>
            where
                E: serde::de::Error,
            {
                i32::try_from(v)
                    .ok()
                    .and_then(|x| x.try_into().ok())
                    .ok_or_else(|| {
                        serde::de::Error::invalid_value(serde::de::Unexpected::Signed(v), &self)
                    })
            }

            fn visit_u64<E>(self, v: u64) -> std::result::Result<Self::Value, E>
            where
                E: serde::de::Error,
            {
                i32::try_from(v)
                    .ok()
                    .and_then(|x| x.try_into().ok())
                    .ok_or_else(|| {
                        serde::de::Error::invalid_value(serde::de::Unexpected::Unsigned(v), &self)
                    })
            }

            fn visit_str<E>(self, value: &str) -> std::result::Result<Self::Value, E>
            where
                E: serde::de::Error,
            {
                match value {
                    "CONTAINER_STATE_UNSPECIFIED" => Ok(ContainerState::Unspecified),
                    "CONTAINER_STATE_VERIFIED" => Ok(ContainerState::Verified),
                    "CONTAINER_STATE_DRIFTED" => Ok(ContainerState::Drifted),
                    "CONTAINER_STATE_UNVERIFIED" => Ok(ContainerState::Unverified),
                    "CONTAINER_STATE_ERROR" => Ok(ContainerState::Error),
                    _ => Err(serde::de::Error::unknown_variant(value, FIELDS)),
                }
            }
        }
        deserializer.deserialize_any(GeneratedVisitor)
    }
}
impl serde::Serialize for ContainerStatus {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        let variant = match self {
            Self::Unspecified => "CONTAINER_STATUS_UNSPECIFIED",
            Self::Verified => "CONTAINER_STATUS_VERIFIED",
            Self::Unverified => "CONTAINER_STATUS_UNVERIFIED",
            Self::Error => "CONTAINER_STATUS_ERROR",
        };
        serializer.serialize_str(variant)
    }
}
impl<'de> serde::Deserialize<'de> for ContainerStatus {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "CONTAINER_STATUS_UNSPECIFIED",
            "CONTAINER_STATUS_VERIFIED",
            "CONTAINER_STATUS_UNVERIFIED",
            "CONTAINER_STATUS_ERROR",
        ];

        struct GeneratedVisitor;

        impl serde::de::Visitor<'_> for GeneratedVisitor {
            type Value = ContainerStatus;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(formatter, "expected one of: {:?}", &FIELDS)
            }

            fn visit_i64<E>(self, v: i64) -> std::result::Result<Self::Value, E>
            where
                E: serde::de::Error,
            {
                i32::try_from(v)
                    .ok()
                    .and_then(|x| x.try_into().ok())
                    .ok_or_else(|| {
                        serde::de::Error::invalid_value(serde::de::Unexpected::Signed(v), &self)
                    })
            }

            fn visit_u64<E>(self, v: u64) -> std::result::Result<Self::Value, E>
            where
                E: serde::de::Error,
            {
                i32::try_from(v)
                    .ok()
                    .and_then(|x| x.try_into().ok())
                    .ok_or_else(|| {
                        serde::de::Error::invalid_value(serde::de::Unexpected::Unsigned(v), &self)
                    })
            }

            fn visit_str<E>(self, value: &str) -> std::result::Result<Self::Value, E>
            where
                E: serde::de::Error,
            {
                match value {
                    "CONTAINER_STATUS_UNSPECIFIED" => Ok(ContainerStatus::Unspecified),
                    "CONTAINER_STATUS_VERIFIED" => Ok(ContainerStatus::Verified),
                    "CONTAINER_STATUS_UNVERIFIED" => Ok(ContainerStatus::Unverified),
                    "CONTAINER_STATUS_ERROR" => Ok(ContainerStatus::Error),
                    _ => Err(serde::de::Error::unknown_variant(value, FIELDS)),
                }
            }
        }
        deserializer.deserialize_any(GeneratedVisitor)
    }
}
impl serde::Serialize for ContainerSummary {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if !self.node_id.is_empty() {
            len += 1;
        }
        if !self.hostname.is_empty() {
            len += 1;
        }
        if self.container.is_some() {
            len += 1;
        }
        if self.drifted {
            len += 1;
        }
        if self.open_deviations != 0 {
            len += 1;
        }
        if self.max_severity != 0 {
            len += 1;
        }
        if self.first_seen_unix_ms != 0 {
            len += 1;
        }
        if self.last_seen_unix_ms != 0 {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("plumb.v1.ContainerSummary", len)?;
        if !self.node_id.is_empty() {
            struct_ser.serialize_field("nodeId", &self.node_id)?;
        }
        if !self.hostname.is_empty() {
            struct_ser.serialize_field("hostname", &self.hostname)?;
        }
        if let Some(v) = self.container.as_ref() {
            struct_ser.serialize_field("container", v)?;
        }
        if self.drifted {
            struct_ser.serialize_field("drifted", &self.drifted)?;
        }
        if self.open_deviations != 0 {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("openDeviations", ToString::to_string(&self.open_deviations).as_str())?;
        }
        if self.max_severity != 0 {
            let v = Severity::try_from(self.max_severity)
                .map_err(|_| serde::ser::Error::custom(format!("Invalid variant {}", self.max_severity)))?;
            struct_ser.serialize_field("maxSeverity", &v)?;
        }
        if self.first_seen_unix_ms != 0 {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("firstSeenUnixMs", ToString::to_string(&self.first_seen_unix_ms).as_str())?;
        }
        if self.last_seen_unix_ms != 0 {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("lastSeenUnixMs", ToString::to_string(&self.last_seen_unix_ms).as_str())?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for ContainerSummary {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "node_id",
            "nodeId",
            "hostname",
            "container",
            "drifted",
            "open_deviations",
            "openDeviations",
            "max_severity",
            "maxSeverity",
            "first_seen_unix_ms",
            "firstSeenUnixMs",
            "last_seen_unix_ms",
            "lastSeenUnixMs",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            NodeId,
            Hostname,
            Container,
            Drifted,
            OpenDeviations,
            MaxSeverity,
            FirstSeenUnixMs,
            LastSeenUnixMs,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "nodeId" | "node_id" => Ok(GeneratedField::NodeId),
                            "hostname" => Ok(GeneratedField::Hostname),
                            "container" => Ok(GeneratedField::Container),
                            "drifted" => Ok(GeneratedField::Drifted),
                            "openDeviations" | "open_deviations" => Ok(GeneratedField::OpenDeviations),
                            "maxSeverity" | "max_severity" => Ok(GeneratedField::MaxSeverity),
                            "firstSeenUnixMs" | "first_seen_unix_ms" => Ok(GeneratedField::FirstSeenUnixMs),
                            "lastSeenUnixMs" | "last_seen_unix_ms" => Ok(GeneratedField::LastSeenUnixMs),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = ContainerSummary;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct plumb.v1.ContainerSummary")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<ContainerSummary, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut node_id__ = None;
                let mut hostname__ = None;
                let mut container__ = None;
                let mut drifted__ = None;
                let mut open_deviations__ = None;
                let mut max_severity__ = None;
                let mut first_seen_unix_ms__ = None;
                let mut last_seen_unix_ms__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::NodeId => {
                            if node_id__.is_some() {
                                return Err(serde::de::Error::duplicate_field("nodeId"));
                            }
                            node_id__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Hostname => {
                            if hostname__.is_some() {
                                return Err(serde::de::Error::duplicate_field("hostname"));
                            }
                            hostname__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Container => {
                            if container__.is_some() {
                                return Err(serde::de::Error::duplicate_field("container"));
                            }
                            container__ = map_.next_value()?;
                        }
                        GeneratedField::Drifted => {
                            if drifted__.is_some() {
                                return Err(serde::de::Error::duplicate_field("drifted"));
                            }
                            drifted__ = Some(map_.next_value()?);
                        }
                        GeneratedField::OpenDeviations => {
                            if open_deviations__.is_some() {
                                return Err(serde::de::Error::duplicate_field("openDeviations"));
                            }
                            open_deviations__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::MaxSeverity => {
                            if max_severity__.is_some() {
                                return Err(serde::de::Error::duplicate_field("maxSeverity"));
                            }
                            max_severity__ = Some(map_.next_value::<Severity>()? as i32);
                        }
                        GeneratedField::FirstSeenUnixMs => {
                            if first_seen_unix_ms__.is_some() {
                                return Err(serde::de::Error::duplicate_field("firstSeenUnixMs"));
                            }
                            first_seen_unix_ms__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::LastSeenUnixMs => {
                            if last_seen_unix_ms__.is_some() {
                                return Err(serde::de::Error::duplicate_field("lastSeenUnixMs"));
                            }
                            last_seen_unix_ms__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                    }
                }
                Ok(ContainerSummary {
                    node_id: node_id__.unwrap_or_default(),
                    hostname: hostname__.unwrap_or_default(),
                    container: container__,
                    drifted: drifted__.unwrap_or_default(),
                    open_deviations: open_deviations__.unwrap_or_default(),
                    max_severity: max_severity__.unwrap_or_default(),
                    first_seen_unix_ms: first_seen_unix_ms__.unwrap_or_default(),
                    last_seen_unix_ms: last_seen_unix_ms__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("plumb.v1.ContainerSummary", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for CreateEnrollmentRequest {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if !self.image_id.is_empty() {
            len += 1;
        }
        if self.ttl_secs != 0 {
            len += 1;
        }
        if self.uses != 0 {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("plumb.v1.CreateEnrollmentRequest", len)?;
        if !self.image_id.is_empty() {
            struct_ser.serialize_field("imageId", &self.image_id)?;
        }
        if self.ttl_secs != 0 {
            struct_ser.serialize_field("ttlSecs", &self.ttl_secs)?;
        }
        if self.uses != 0 {
            struct_ser.serialize_field("uses", &self.uses)?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for CreateEnrollmentRequest {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "image_id",
            "imageId",
            "ttl_secs",
            "ttlSecs",
            "uses",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            ImageId,
            TtlSecs,
            Uses,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "imageId" | "image_id" => Ok(GeneratedField::ImageId),
                            "ttlSecs" | "ttl_secs" => Ok(GeneratedField::TtlSecs),
                            "uses" => Ok(GeneratedField::Uses),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = CreateEnrollmentRequest;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct plumb.v1.CreateEnrollmentRequest")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<CreateEnrollmentRequest, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut image_id__ = None;
                let mut ttl_secs__ = None;
                let mut uses__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::ImageId => {
                            if image_id__.is_some() {
                                return Err(serde::de::Error::duplicate_field("imageId"));
                            }
                            image_id__ = Some(map_.next_value()?);
                        }
                        GeneratedField::TtlSecs => {
                            if ttl_secs__.is_some() {
                                return Err(serde::de::Error::duplicate_field("ttlSecs"));
                            }
                            ttl_secs__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Uses => {
                            if uses__.is_some() {
                                return Err(serde::de::Error::duplicate_field("uses"));
                            }
                            uses__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                    }
                }
                Ok(CreateEnrollmentRequest {
                    image_id: image_id__.unwrap_or_default(),
                    ttl_secs: ttl_secs__.unwrap_or_default(),
                    uses: uses__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("plumb.v1.CreateEnrollmentRequest", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for CreateEnrollmentResponse {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if !self.token.is_empty() {
            len += 1;
        }
        if self.expires_unix_ms != 0 {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("plumb.v1.CreateEnrollmentResponse", len)?;
        if !self.token.is_empty() {
            struct_ser.serialize_field("token", &self.token)?;
        }
        if self.expires_unix_ms != 0 {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("expiresUnixMs", ToString::to_string(&self.expires_unix_ms).as_str())?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for CreateEnrollmentResponse {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "token",
            "expires_unix_ms",
            "expiresUnixMs",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            Token,
            ExpiresUnixMs,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "token" => Ok(GeneratedField::Token),
                            "expiresUnixMs" | "expires_unix_ms" => Ok(GeneratedField::ExpiresUnixMs),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = CreateEnrollmentResponse;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct plumb.v1.CreateEnrollmentResponse")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<CreateEnrollmentResponse, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut token__ = None;
                let mut expires_unix_ms__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::Token => {
                            if token__.is_some() {
                                return Err(serde::de::Error::duplicate_field("token"));
                            }
                            token__ = Some(map_.next_value()?);
                        }
                        GeneratedField::ExpiresUnixMs => {
                            if expires_unix_ms__.is_some() {
                                return Err(serde::de::Error::duplicate_field("expiresUnixMs"));
                            }
                            expires_unix_ms__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                    }
                }
                Ok(CreateEnrollmentResponse {
                    token: token__.unwrap_or_default(),
                    expires_unix_ms: expires_unix_ms__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("plumb.v1.CreateEnrollmentResponse", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for CreateTokenRequest {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if self.role != 0 {
            len += 1;
        }
        if !self.name.is_empty() {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("plumb.v1.CreateTokenRequest", len)?;
        if self.role != 0 {
            let v = Role::try_from(self.role)
                .map_err(|_| serde::ser::Error::custom(format!("Invalid variant {}", self.role)))?;
            struct_ser.serialize_field("role", &v)?;
        }
        if !self.name.is_empty() {
            struct_ser.serialize_field("name", &self.name)?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for CreateTokenRequest {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "role",
            "name",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            Role,
            Name,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "role" => Ok(GeneratedField::Role),
                            "name" => Ok(GeneratedField::Name),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = CreateTokenRequest;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct plumb.v1.CreateTokenRequest")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<CreateTokenRequest, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut role__ = None;
                let mut name__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::Role => {
                            if role__.is_some() {
                                return Err(serde::de::Error::duplicate_field("role"));
                            }
                            role__ = Some(map_.next_value::<Role>()? as i32);
                        }
                        GeneratedField::Name => {
                            if name__.is_some() {
                                return Err(serde::de::Error::duplicate_field("name"));
                            }
                            name__ = Some(map_.next_value()?);
                        }
                    }
                }
                Ok(CreateTokenRequest {
                    role: role__.unwrap_or_default(),
                    name: name__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("plumb.v1.CreateTokenRequest", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for CreateTokenResponse {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if !self.token.is_empty() {
            len += 1;
        }
        if !self.id.is_empty() {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("plumb.v1.CreateTokenResponse", len)?;
        if !self.token.is_empty() {
            struct_ser.serialize_field("token", &self.token)?;
        }
        if !self.id.is_empty() {
            struct_ser.serialize_field("id", &self.id)?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for CreateTokenResponse {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "token",
            "id",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            Token,
            Id,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "token" => Ok(GeneratedField::Token),
                            "id" => Ok(GeneratedField::Id),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = CreateTokenResponse;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct plumb.v1.CreateTokenResponse")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<CreateTokenResponse, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut token__ = None;
                let mut id__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::Token => {
                            if token__.is_some() {
                                return Err(serde::de::Error::duplicate_field("token"));
                            }
                            token__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Id => {
                            if id__.is_some() {
                                return Err(serde::de::Error::duplicate_field("id"));
                            }
                            id__ = Some(map_.next_value()?);
                        }
                    }
                }
                Ok(CreateTokenResponse {
                    token: token__.unwrap_or_default(),
                    id: id__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("plumb.v1.CreateTokenResponse", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for Deviation {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if self.kind != 0 {
            len += 1;
        }
        if !self.key.is_empty() {
            len += 1;
        }
        if self.severity != 0 {
            len += 1;
        }
        if !self.expected.is_empty() {
            len += 1;
        }
        if !self.actual.is_empty() {
            len += 1;
        }
        if !self.changes.is_empty() {
            len += 1;
        }
        if !self.package.is_empty() {
            len += 1;
        }
        if !self.explained_by.is_empty() {
            len += 1;
        }
        if !self.container.is_empty() {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("plumb.v1.Deviation", len)?;
        if self.kind != 0 {
            let v = DeviationKind::try_from(self.kind)
                .map_err(|_| serde::ser::Error::custom(format!("Invalid variant {}", self.kind)))?;
            struct_ser.serialize_field("kind", &v)?;
        }
        if !self.key.is_empty() {
            struct_ser.serialize_field("key", &self.key)?;
        }
        if self.severity != 0 {
            let v = Severity::try_from(self.severity)
                .map_err(|_| serde::ser::Error::custom(format!("Invalid variant {}", self.severity)))?;
            struct_ser.serialize_field("severity", &v)?;
        }
        if !self.expected.is_empty() {
            struct_ser.serialize_field("expected", &self.expected)?;
        }
        if !self.actual.is_empty() {
            struct_ser.serialize_field("actual", &self.actual)?;
        }
        if !self.changes.is_empty() {
            struct_ser.serialize_field("changes", &self.changes)?;
        }
        if !self.package.is_empty() {
            struct_ser.serialize_field("package", &self.package)?;
        }
        if !self.explained_by.is_empty() {
            struct_ser.serialize_field("explainedBy", &self.explained_by)?;
        }
        if !self.container.is_empty() {
            struct_ser.serialize_field("container", &self.container)?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for Deviation {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "kind",
            "key",
            "severity",
            "expected",
            "actual",
            "changes",
            "package",
            "explained_by",
            "explainedBy",
            "container",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            Kind,
            Key,
            Severity,
            Expected,
            Actual,
            Changes,
            Package,
            ExplainedBy,
            Container,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "kind" => Ok(GeneratedField::Kind),
                            "key" => Ok(GeneratedField::Key),
                            "severity" => Ok(GeneratedField::Severity),
                            "expected" => Ok(GeneratedField::Expected),
                            "actual" => Ok(GeneratedField::Actual),
                            "changes" => Ok(GeneratedField::Changes),
                            "package" => Ok(GeneratedField::Package),
                            "explainedBy" | "explained_by" => Ok(GeneratedField::ExplainedBy),
                            "container" => Ok(GeneratedField::Container),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = Deviation;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct plumb.v1.Deviation")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<Deviation, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut kind__ = None;
                let mut key__ = None;
                let mut severity__ = None;
                let mut expected__ = None;
                let mut actual__ = None;
                let mut changes__ = None;
                let mut package__ = None;
                let mut explained_by__ = None;
                let mut container__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::Kind => {
                            if kind__.is_some() {
                                return Err(serde::de::Error::duplicate_field("kind"));
                            }
                            kind__ = Some(map_.next_value::<DeviationKind>()? as i32);
                        }
                        GeneratedField::Key => {
                            if key__.is_some() {
                                return Err(serde::de::Error::duplicate_field("key"));
                            }
                            key__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Severity => {
                            if severity__.is_some() {
                                return Err(serde::de::Error::duplicate_field("severity"));
                            }
                            severity__ = Some(map_.next_value::<Severity>()? as i32);
                        }
                        GeneratedField::Expected => {
                            if expected__.is_some() {
                                return Err(serde::de::Error::duplicate_field("expected"));
                            }
                            expected__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Actual => {
                            if actual__.is_some() {
                                return Err(serde::de::Error::duplicate_field("actual"));
                            }
                            actual__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Changes => {
                            if changes__.is_some() {
                                return Err(serde::de::Error::duplicate_field("changes"));
                            }
                            changes__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Package => {
                            if package__.is_some() {
                                return Err(serde::de::Error::duplicate_field("package"));
                            }
                            package__ = Some(map_.next_value()?);
                        }
                        GeneratedField::ExplainedBy => {
                            if explained_by__.is_some() {
                                return Err(serde::de::Error::duplicate_field("explainedBy"));
                            }
                            explained_by__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Container => {
                            if container__.is_some() {
                                return Err(serde::de::Error::duplicate_field("container"));
                            }
                            container__ = Some(map_.next_value()?);
                        }
                    }
                }
                Ok(Deviation {
                    kind: kind__.unwrap_or_default(),
                    key: key__.unwrap_or_default(),
                    severity: severity__.unwrap_or_default(),
                    expected: expected__.unwrap_or_default(),
                    actual: actual__.unwrap_or_default(),
                    changes: changes__.unwrap_or_default(),
                    package: package__.unwrap_or_default(),
                    explained_by: explained_by__.unwrap_or_default(),
                    container: container__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("plumb.v1.Deviation", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for DeviationBatch {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if !self.added.is_empty() {
            len += 1;
        }
        if !self.resolved.is_empty() {
            len += 1;
        }
        if self.full_state {
            len += 1;
        }
        if self.observed_unix_ms != 0 {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("plumb.v1.DeviationBatch", len)?;
        if !self.added.is_empty() {
            struct_ser.serialize_field("added", &self.added)?;
        }
        if !self.resolved.is_empty() {
            struct_ser.serialize_field("resolved", &self.resolved)?;
        }
        if self.full_state {
            struct_ser.serialize_field("fullState", &self.full_state)?;
        }
        if self.observed_unix_ms != 0 {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("observedUnixMs", ToString::to_string(&self.observed_unix_ms).as_str())?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for DeviationBatch {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "added",
            "resolved",
            "full_state",
            "fullState",
            "observed_unix_ms",
            "observedUnixMs",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            Added,
            Resolved,
            FullState,
            ObservedUnixMs,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "added" => Ok(GeneratedField::Added),
                            "resolved" => Ok(GeneratedField::Resolved),
                            "fullState" | "full_state" => Ok(GeneratedField::FullState),
                            "observedUnixMs" | "observed_unix_ms" => Ok(GeneratedField::ObservedUnixMs),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = DeviationBatch;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct plumb.v1.DeviationBatch")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<DeviationBatch, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut added__ = None;
                let mut resolved__ = None;
                let mut full_state__ = None;
                let mut observed_unix_ms__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::Added => {
                            if added__.is_some() {
                                return Err(serde::de::Error::duplicate_field("added"));
                            }
                            added__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Resolved => {
                            if resolved__.is_some() {
                                return Err(serde::de::Error::duplicate_field("resolved"));
                            }
                            resolved__ = Some(map_.next_value()?);
                        }
                        GeneratedField::FullState => {
                            if full_state__.is_some() {
                                return Err(serde::de::Error::duplicate_field("fullState"));
                            }
                            full_state__ = Some(map_.next_value()?);
                        }
                        GeneratedField::ObservedUnixMs => {
                            if observed_unix_ms__.is_some() {
                                return Err(serde::de::Error::duplicate_field("observedUnixMs"));
                            }
                            observed_unix_ms__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                    }
                }
                Ok(DeviationBatch {
                    added: added__.unwrap_or_default(),
                    resolved: resolved__.unwrap_or_default(),
                    full_state: full_state__.unwrap_or_default(),
                    observed_unix_ms: observed_unix_ms__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("plumb.v1.DeviationBatch", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for DeviationKind {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        let variant = match self {
            Self::Unspecified => "DEVIATION_KIND_UNSPECIFIED",
            Self::FileAdded => "DEVIATION_KIND_FILE_ADDED",
            Self::FileRemoved => "DEVIATION_KIND_FILE_REMOVED",
            Self::FileModified => "DEVIATION_KIND_FILE_MODIFIED",
            Self::PackageAdded => "DEVIATION_KIND_PACKAGE_ADDED",
            Self::PackageRemoved => "DEVIATION_KIND_PACKAGE_REMOVED",
            Self::PackageChanged => "DEVIATION_KIND_PACKAGE_CHANGED",
            Self::ListenerAdded => "DEVIATION_KIND_LISTENER_ADDED",
            Self::ListenerRemoved => "DEVIATION_KIND_LISTENER_REMOVED",
            Self::Integrity => "DEVIATION_KIND_INTEGRITY",
            Self::ScanError => "DEVIATION_KIND_SCAN_ERROR",
            Self::ProcessUnexpected => "DEVIATION_KIND_PROCESS_UNEXPECTED",
            Self::ProcessDeleted => "DEVIATION_KIND_PROCESS_DELETED",
            Self::ProcessMemfd => "DEVIATION_KIND_PROCESS_MEMFD",
            Self::ModuleUnexpected => "DEVIATION_KIND_MODULE_UNEXPECTED",
            Self::KernelTainted => "DEVIATION_KIND_KERNEL_TAINTED",
            Self::SessionOpened => "DEVIATION_KIND_SESSION_OPENED",
        };
        serializer.serialize_str(variant)
    }
}
impl<'de> serde::Deserialize<'de> for DeviationKind {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "DEVIATION_KIND_UNSPECIFIED",
            "DEVIATION_KIND_FILE_ADDED",
            "DEVIATION_KIND_FILE_REMOVED",
            "DEVIATION_KIND_FILE_MODIFIED",
            "DEVIATION_KIND_PACKAGE_ADDED",
            "DEVIATION_KIND_PACKAGE_REMOVED",
            "DEVIATION_KIND_PACKAGE_CHANGED",
            "DEVIATION_KIND_LISTENER_ADDED",
            "DEVIATION_KIND_LISTENER_REMOVED",
            "DEVIATION_KIND_INTEGRITY",
            "DEVIATION_KIND_SCAN_ERROR",
            "DEVIATION_KIND_PROCESS_UNEXPECTED",
            "DEVIATION_KIND_PROCESS_DELETED",
            "DEVIATION_KIND_PROCESS_MEMFD",
            "DEVIATION_KIND_MODULE_UNEXPECTED",
            "DEVIATION_KIND_KERNEL_TAINTED",
            "DEVIATION_KIND_SESSION_OPENED",
        ];

        struct GeneratedVisitor;

        impl serde::de::Visitor<'_> for GeneratedVisitor {
            type Value = DeviationKind;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(formatter, "expected one of: {:?}", &FIELDS)
            }

            fn visit_i64<E>(self, v: i64) -> std::result::Result<Self::Value, E>
            where
                E: serde::de::Error,
            {
                i32::try_from(v)
                    .ok()
                    .and_then(|x| x.try_into().ok())
                    .ok_or_else(|| {
                        serde::de::Error::invalid_value(serde::de::Unexpected::Signed(v), &self)
                    })
            }

            fn visit_u64<E>(self, v: u64) -> std::result::Result<Self::Value, E>
            where
                E: serde::de::Error,
            {
                i32::try_from(v)
                    .ok()
                    .and_then(|x| x.try_into().ok())
                    .ok_or_else(|| {
                        serde::de::Error::invalid_value(serde::de::Unexpected::Unsigned(v), &self)
                    })
            }

            fn visit_str<E>(self, value: &str) -> std::result::Result<Self::Value, E>
            where
                E: serde::de::Error,
            {
                match value {
                    "DEVIATION_KIND_UNSPECIFIED" => Ok(DeviationKind::Unspecified),
                    "DEVIATION_KIND_FILE_ADDED" => Ok(DeviationKind::FileAdded),
                    "DEVIATION_KIND_FILE_REMOVED" => Ok(DeviationKind::FileRemoved),
                    "DEVIATION_KIND_FILE_MODIFIED" => Ok(DeviationKind::FileModified),
                    "DEVIATION_KIND_PACKAGE_ADDED" => Ok(DeviationKind::PackageAdded),
                    "DEVIATION_KIND_PACKAGE_REMOVED" => Ok(DeviationKind::PackageRemoved),
                    "DEVIATION_KIND_PACKAGE_CHANGED" => Ok(DeviationKind::PackageChanged),
                    "DEVIATION_KIND_LISTENER_ADDED" => Ok(DeviationKind::ListenerAdded),
                    "DEVIATION_KIND_LISTENER_REMOVED" => Ok(DeviationKind::ListenerRemoved),
                    "DEVIATION_KIND_INTEGRITY" => Ok(DeviationKind::Integrity),
                    "DEVIATION_KIND_SCAN_ERROR" => Ok(DeviationKind::ScanError),
                    "DEVIATION_KIND_PROCESS_UNEXPECTED" => Ok(DeviationKind::ProcessUnexpected),
                    "DEVIATION_KIND_PROCESS_DELETED" => Ok(DeviationKind::ProcessDeleted),
                    "DEVIATION_KIND_PROCESS_MEMFD" => Ok(DeviationKind::ProcessMemfd),
                    "DEVIATION_KIND_MODULE_UNEXPECTED" => Ok(DeviationKind::ModuleUnexpected),
                    "DEVIATION_KIND_KERNEL_TAINTED" => Ok(DeviationKind::KernelTainted),
                    "DEVIATION_KIND_SESSION_OPENED" => Ok(DeviationKind::SessionOpened),
                    _ => Err(serde::de::Error::unknown_variant(value, FIELDS)),
                }
            }
        }
        deserializer.deserialize_any(GeneratedVisitor)
    }
}
impl serde::Serialize for DeviationRef {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if self.kind != 0 {
            len += 1;
        }
        if !self.key.is_empty() {
            len += 1;
        }
        if !self.container.is_empty() {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("plumb.v1.DeviationRef", len)?;
        if self.kind != 0 {
            let v = DeviationKind::try_from(self.kind)
                .map_err(|_| serde::ser::Error::custom(format!("Invalid variant {}", self.kind)))?;
            struct_ser.serialize_field("kind", &v)?;
        }
        if !self.key.is_empty() {
            struct_ser.serialize_field("key", &self.key)?;
        }
        if !self.container.is_empty() {
            struct_ser.serialize_field("container", &self.container)?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for DeviationRef {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "kind",
            "key",
            "container",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            Kind,
            Key,
            Container,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "kind" => Ok(GeneratedField::Kind),
                            "key" => Ok(GeneratedField::Key),
                            "container" => Ok(GeneratedField::Container),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = DeviationRef;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct plumb.v1.DeviationRef")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<DeviationRef, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut kind__ = None;
                let mut key__ = None;
                let mut container__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::Kind => {
                            if kind__.is_some() {
                                return Err(serde::de::Error::duplicate_field("kind"));
                            }
                            kind__ = Some(map_.next_value::<DeviationKind>()? as i32);
                        }
                        GeneratedField::Key => {
                            if key__.is_some() {
                                return Err(serde::de::Error::duplicate_field("key"));
                            }
                            key__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Container => {
                            if container__.is_some() {
                                return Err(serde::de::Error::duplicate_field("container"));
                            }
                            container__ = Some(map_.next_value()?);
                        }
                    }
                }
                Ok(DeviationRef {
                    kind: kind__.unwrap_or_default(),
                    key: key__.unwrap_or_default(),
                    container: container__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("plumb.v1.DeviationRef", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for DueImage {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if !self.image_id.is_empty() {
            len += 1;
        }
        if !self.family.is_empty() {
            len += 1;
        }
        if !self.reasons.is_empty() {
            len += 1;
        }
        if !self.advisories.is_empty() {
            len += 1;
        }
        if !self.nodes.is_empty() {
            len += 1;
        }
        if self.node_count != 0 {
            len += 1;
        }
        if self.containers != 0 {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("plumb.v1.DueImage", len)?;
        if !self.image_id.is_empty() {
            struct_ser.serialize_field("imageId", &self.image_id)?;
        }
        if !self.family.is_empty() {
            struct_ser.serialize_field("family", &self.family)?;
        }
        if !self.reasons.is_empty() {
            struct_ser.serialize_field("reasons", &self.reasons)?;
        }
        if !self.advisories.is_empty() {
            struct_ser.serialize_field("advisories", &self.advisories)?;
        }
        if !self.nodes.is_empty() {
            struct_ser.serialize_field("nodes", &self.nodes)?;
        }
        if self.node_count != 0 {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("nodeCount", ToString::to_string(&self.node_count).as_str())?;
        }
        if self.containers != 0 {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("containers", ToString::to_string(&self.containers).as_str())?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for DueImage {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "image_id",
            "imageId",
            "family",
            "reasons",
            "advisories",
            "nodes",
            "node_count",
            "nodeCount",
            "containers",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            ImageId,
            Family,
            Reasons,
            Advisories,
            Nodes,
            NodeCount,
            Containers,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "imageId" | "image_id" => Ok(GeneratedField::ImageId),
                            "family" => Ok(GeneratedField::Family),
                            "reasons" => Ok(GeneratedField::Reasons),
                            "advisories" => Ok(GeneratedField::Advisories),
                            "nodes" => Ok(GeneratedField::Nodes),
                            "nodeCount" | "node_count" => Ok(GeneratedField::NodeCount),
                            "containers" => Ok(GeneratedField::Containers),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = DueImage;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct plumb.v1.DueImage")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<DueImage, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut image_id__ = None;
                let mut family__ = None;
                let mut reasons__ = None;
                let mut advisories__ = None;
                let mut nodes__ = None;
                let mut node_count__ = None;
                let mut containers__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::ImageId => {
                            if image_id__.is_some() {
                                return Err(serde::de::Error::duplicate_field("imageId"));
                            }
                            image_id__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Family => {
                            if family__.is_some() {
                                return Err(serde::de::Error::duplicate_field("family"));
                            }
                            family__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Reasons => {
                            if reasons__.is_some() {
                                return Err(serde::de::Error::duplicate_field("reasons"));
                            }
                            reasons__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Advisories => {
                            if advisories__.is_some() {
                                return Err(serde::de::Error::duplicate_field("advisories"));
                            }
                            advisories__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Nodes => {
                            if nodes__.is_some() {
                                return Err(serde::de::Error::duplicate_field("nodes"));
                            }
                            nodes__ = Some(map_.next_value()?);
                        }
                        GeneratedField::NodeCount => {
                            if node_count__.is_some() {
                                return Err(serde::de::Error::duplicate_field("nodeCount"));
                            }
                            node_count__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Containers => {
                            if containers__.is_some() {
                                return Err(serde::de::Error::duplicate_field("containers"));
                            }
                            containers__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                    }
                }
                Ok(DueImage {
                    image_id: image_id__.unwrap_or_default(),
                    family: family__.unwrap_or_default(),
                    reasons: reasons__.unwrap_or_default(),
                    advisories: advisories__.unwrap_or_default(),
                    nodes: nodes__.unwrap_or_default(),
                    node_count: node_count__.unwrap_or_default(),
                    containers: containers__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("plumb.v1.DueImage", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for EnrollRequest {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if !self.token.is_empty() {
            len += 1;
        }
        if !self.csr_pem.is_empty() {
            len += 1;
        }
        if !self.image_id.is_empty() {
            len += 1;
        }
        if !self.node_id.is_empty() {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("plumb.v1.EnrollRequest", len)?;
        if !self.token.is_empty() {
            struct_ser.serialize_field("token", &self.token)?;
        }
        if !self.csr_pem.is_empty() {
            struct_ser.serialize_field("csrPem", &self.csr_pem)?;
        }
        if !self.image_id.is_empty() {
            struct_ser.serialize_field("imageId", &self.image_id)?;
        }
        if !self.node_id.is_empty() {
            struct_ser.serialize_field("nodeId", &self.node_id)?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for EnrollRequest {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "token",
            "csr_pem",
            "csrPem",
            "image_id",
            "imageId",
            "node_id",
            "nodeId",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            Token,
            CsrPem,
            ImageId,
            NodeId,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "token" => Ok(GeneratedField::Token),
                            "csrPem" | "csr_pem" => Ok(GeneratedField::CsrPem),
                            "imageId" | "image_id" => Ok(GeneratedField::ImageId),
                            "nodeId" | "node_id" => Ok(GeneratedField::NodeId),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = EnrollRequest;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct plumb.v1.EnrollRequest")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<EnrollRequest, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut token__ = None;
                let mut csr_pem__ = None;
                let mut image_id__ = None;
                let mut node_id__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::Token => {
                            if token__.is_some() {
                                return Err(serde::de::Error::duplicate_field("token"));
                            }
                            token__ = Some(map_.next_value()?);
                        }
                        GeneratedField::CsrPem => {
                            if csr_pem__.is_some() {
                                return Err(serde::de::Error::duplicate_field("csrPem"));
                            }
                            csr_pem__ = Some(map_.next_value()?);
                        }
                        GeneratedField::ImageId => {
                            if image_id__.is_some() {
                                return Err(serde::de::Error::duplicate_field("imageId"));
                            }
                            image_id__ = Some(map_.next_value()?);
                        }
                        GeneratedField::NodeId => {
                            if node_id__.is_some() {
                                return Err(serde::de::Error::duplicate_field("nodeId"));
                            }
                            node_id__ = Some(map_.next_value()?);
                        }
                    }
                }
                Ok(EnrollRequest {
                    token: token__.unwrap_or_default(),
                    csr_pem: csr_pem__.unwrap_or_default(),
                    image_id: image_id__.unwrap_or_default(),
                    node_id: node_id__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("plumb.v1.EnrollRequest", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for EnrollResponse {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if !self.certificate_pem.is_empty() {
            len += 1;
        }
        if !self.ca_pem.is_empty() {
            len += 1;
        }
        if !self.node_id.is_empty() {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("plumb.v1.EnrollResponse", len)?;
        if !self.certificate_pem.is_empty() {
            struct_ser.serialize_field("certificatePem", &self.certificate_pem)?;
        }
        if !self.ca_pem.is_empty() {
            struct_ser.serialize_field("caPem", &self.ca_pem)?;
        }
        if !self.node_id.is_empty() {
            struct_ser.serialize_field("nodeId", &self.node_id)?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for EnrollResponse {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "certificate_pem",
            "certificatePem",
            "ca_pem",
            "caPem",
            "node_id",
            "nodeId",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            CertificatePem,
            CaPem,
            NodeId,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "certificatePem" | "certificate_pem" => Ok(GeneratedField::CertificatePem),
                            "caPem" | "ca_pem" => Ok(GeneratedField::CaPem),
                            "nodeId" | "node_id" => Ok(GeneratedField::NodeId),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = EnrollResponse;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct plumb.v1.EnrollResponse")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<EnrollResponse, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut certificate_pem__ = None;
                let mut ca_pem__ = None;
                let mut node_id__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::CertificatePem => {
                            if certificate_pem__.is_some() {
                                return Err(serde::de::Error::duplicate_field("certificatePem"));
                            }
                            certificate_pem__ = Some(map_.next_value()?);
                        }
                        GeneratedField::CaPem => {
                            if ca_pem__.is_some() {
                                return Err(serde::de::Error::duplicate_field("caPem"));
                            }
                            ca_pem__ = Some(map_.next_value()?);
                        }
                        GeneratedField::NodeId => {
                            if node_id__.is_some() {
                                return Err(serde::de::Error::duplicate_field("nodeId"));
                            }
                            node_id__ = Some(map_.next_value()?);
                        }
                    }
                }
                Ok(EnrollResponse {
                    certificate_pem: certificate_pem__.unwrap_or_default(),
                    ca_pem: ca_pem__.unwrap_or_default(),
                    node_id: node_id__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("plumb.v1.EnrollResponse", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for ExecMonitor {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        let variant = match self {
            Self::Unspecified => "EXEC_MONITOR_UNSPECIFIED",
            Self::Fanotify => "EXEC_MONITOR_FANOTIFY",
            Self::Periodic => "EXEC_MONITOR_PERIODIC",
        };
        serializer.serialize_str(variant)
    }
}
impl<'de> serde::Deserialize<'de> for ExecMonitor {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "EXEC_MONITOR_UNSPECIFIED",
            "EXEC_MONITOR_FANOTIFY",
            "EXEC_MONITOR_PERIODIC",
        ];

        struct GeneratedVisitor;

        impl serde::de::Visitor<'_> for GeneratedVisitor {
            type Value = ExecMonitor;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(formatter, "expected one of: {:?}", &FIELDS)
            }

            fn visit_i64<E>(self, v: i64) -> std::result::Result<Self::Value, E>
            where
                E: serde::de::Error,
            {
                i32::try_from(v)
                    .ok()
                    .and_then(|x| x.try_into().ok())
                    .ok_or_else(|| {
                        serde::de::Error::invalid_value(serde::de::Unexpected::Signed(v), &self)
                    })
            }

            fn visit_u64<E>(self, v: u64) -> std::result::Result<Self::Value, E>
            where
                E: serde::de::Error,
            {
                i32::try_from(v)
                    .ok()
                    .and_then(|x| x.try_into().ok())
                    .ok_or_else(|| {
                        serde::de::Error::invalid_value(serde::de::Unexpected::Unsigned(v), &self)
                    })
            }

            fn visit_str<E>(self, value: &str) -> std::result::Result<Self::Value, E>
            where
                E: serde::de::Error,
            {
                match value {
                    "EXEC_MONITOR_UNSPECIFIED" => Ok(ExecMonitor::Unspecified),
                    "EXEC_MONITOR_FANOTIFY" => Ok(ExecMonitor::Fanotify),
                    "EXEC_MONITOR_PERIODIC" => Ok(ExecMonitor::Periodic),
                    _ => Err(serde::de::Error::unknown_variant(value, FIELDS)),
                }
            }
        }
        deserializer.deserialize_any(GeneratedVisitor)
    }
}
impl serde::Serialize for ExposureEntry {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if !self.advisory_id.is_empty() {
            len += 1;
        }
        if !self.aliases.is_empty() {
            len += 1;
        }
        if self.severity != 0 {
            len += 1;
        }
        if !self.image_id.is_empty() {
            len += 1;
        }
        if self.image_kind != 0 {
            len += 1;
        }
        if !self.release.is_empty() {
            len += 1;
        }
        if !self.package.is_empty() {
            len += 1;
        }
        if !self.version.is_empty() {
            len += 1;
        }
        if !self.fixed.is_empty() {
            len += 1;
        }
        if !self.fixed_images.is_empty() {
            len += 1;
        }
        if self.nodes != 0 {
            len += 1;
        }
        if self.containers != 0 {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("plumb.v1.ExposureEntry", len)?;
        if !self.advisory_id.is_empty() {
            struct_ser.serialize_field("advisoryId", &self.advisory_id)?;
        }
        if !self.aliases.is_empty() {
            struct_ser.serialize_field("aliases", &self.aliases)?;
        }
        if self.severity != 0 {
            let v = AdvisorySeverity::try_from(self.severity)
                .map_err(|_| serde::ser::Error::custom(format!("Invalid variant {}", self.severity)))?;
            struct_ser.serialize_field("severity", &v)?;
        }
        if !self.image_id.is_empty() {
            struct_ser.serialize_field("imageId", &self.image_id)?;
        }
        if self.image_kind != 0 {
            let v = ImageKind::try_from(self.image_kind)
                .map_err(|_| serde::ser::Error::custom(format!("Invalid variant {}", self.image_kind)))?;
            struct_ser.serialize_field("imageKind", &v)?;
        }
        if !self.release.is_empty() {
            struct_ser.serialize_field("release", &self.release)?;
        }
        if !self.package.is_empty() {
            struct_ser.serialize_field("package", &self.package)?;
        }
        if !self.version.is_empty() {
            struct_ser.serialize_field("version", &self.version)?;
        }
        if !self.fixed.is_empty() {
            struct_ser.serialize_field("fixed", &self.fixed)?;
        }
        if !self.fixed_images.is_empty() {
            struct_ser.serialize_field("fixedImages", &self.fixed_images)?;
        }
        if self.nodes != 0 {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("nodes", ToString::to_string(&self.nodes).as_str())?;
        }
        if self.containers != 0 {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("containers", ToString::to_string(&self.containers).as_str())?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for ExposureEntry {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "advisory_id",
            "advisoryId",
            "aliases",
            "severity",
            "image_id",
            "imageId",
            "image_kind",
            "imageKind",
            "release",
            "package",
            "version",
            "fixed",
            "fixed_images",
            "fixedImages",
            "nodes",
            "containers",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            AdvisoryId,
            Aliases,
            Severity,
            ImageId,
            ImageKind,
            Release,
            Package,
            Version,
            Fixed,
            FixedImages,
            Nodes,
            Containers,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "advisoryId" | "advisory_id" => Ok(GeneratedField::AdvisoryId),
                            "aliases" => Ok(GeneratedField::Aliases),
                            "severity" => Ok(GeneratedField::Severity),
                            "imageId" | "image_id" => Ok(GeneratedField::ImageId),
                            "imageKind" | "image_kind" => Ok(GeneratedField::ImageKind),
                            "release" => Ok(GeneratedField::Release),
                            "package" => Ok(GeneratedField::Package),
                            "version" => Ok(GeneratedField::Version),
                            "fixed" => Ok(GeneratedField::Fixed),
                            "fixedImages" | "fixed_images" => Ok(GeneratedField::FixedImages),
                            "nodes" => Ok(GeneratedField::Nodes),
                            "containers" => Ok(GeneratedField::Containers),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = ExposureEntry;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct plumb.v1.ExposureEntry")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<ExposureEntry, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut advisory_id__ = None;
                let mut aliases__ = None;
                let mut severity__ = None;
                let mut image_id__ = None;
                let mut image_kind__ = None;
                let mut release__ = None;
                let mut package__ = None;
                let mut version__ = None;
                let mut fixed__ = None;
                let mut fixed_images__ = None;
                let mut nodes__ = None;
                let mut containers__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::AdvisoryId => {
                            if advisory_id__.is_some() {
                                return Err(serde::de::Error::duplicate_field("advisoryId"));
                            }
                            advisory_id__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Aliases => {
                            if aliases__.is_some() {
                                return Err(serde::de::Error::duplicate_field("aliases"));
                            }
                            aliases__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Severity => {
                            if severity__.is_some() {
                                return Err(serde::de::Error::duplicate_field("severity"));
                            }
                            severity__ = Some(map_.next_value::<AdvisorySeverity>()? as i32);
                        }
                        GeneratedField::ImageId => {
                            if image_id__.is_some() {
                                return Err(serde::de::Error::duplicate_field("imageId"));
                            }
                            image_id__ = Some(map_.next_value()?);
                        }
                        GeneratedField::ImageKind => {
                            if image_kind__.is_some() {
                                return Err(serde::de::Error::duplicate_field("imageKind"));
                            }
                            image_kind__ = Some(map_.next_value::<ImageKind>()? as i32);
                        }
                        GeneratedField::Release => {
                            if release__.is_some() {
                                return Err(serde::de::Error::duplicate_field("release"));
                            }
                            release__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Package => {
                            if package__.is_some() {
                                return Err(serde::de::Error::duplicate_field("package"));
                            }
                            package__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Version => {
                            if version__.is_some() {
                                return Err(serde::de::Error::duplicate_field("version"));
                            }
                            version__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Fixed => {
                            if fixed__.is_some() {
                                return Err(serde::de::Error::duplicate_field("fixed"));
                            }
                            fixed__ = Some(map_.next_value()?);
                        }
                        GeneratedField::FixedImages => {
                            if fixed_images__.is_some() {
                                return Err(serde::de::Error::duplicate_field("fixedImages"));
                            }
                            fixed_images__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Nodes => {
                            if nodes__.is_some() {
                                return Err(serde::de::Error::duplicate_field("nodes"));
                            }
                            nodes__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Containers => {
                            if containers__.is_some() {
                                return Err(serde::de::Error::duplicate_field("containers"));
                            }
                            containers__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                    }
                }
                Ok(ExposureEntry {
                    advisory_id: advisory_id__.unwrap_or_default(),
                    aliases: aliases__.unwrap_or_default(),
                    severity: severity__.unwrap_or_default(),
                    image_id: image_id__.unwrap_or_default(),
                    image_kind: image_kind__.unwrap_or_default(),
                    release: release__.unwrap_or_default(),
                    package: package__.unwrap_or_default(),
                    version: version__.unwrap_or_default(),
                    fixed: fixed__.unwrap_or_default(),
                    fixed_images: fixed_images__.unwrap_or_default(),
                    nodes: nodes__.unwrap_or_default(),
                    containers: containers__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("plumb.v1.ExposureEntry", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for Family {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if !self.family.is_empty() {
            len += 1;
        }
        if !self.newest.is_empty() {
            len += 1;
        }
        if !self.images.is_empty() {
            len += 1;
        }
        if self.nodes != 0 {
            len += 1;
        }
        if self.containers != 0 {
            len += 1;
        }
        if self.newest_share != 0. {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("plumb.v1.Family", len)?;
        if !self.family.is_empty() {
            struct_ser.serialize_field("family", &self.family)?;
        }
        if !self.newest.is_empty() {
            struct_ser.serialize_field("newest", &self.newest)?;
        }
        if !self.images.is_empty() {
            struct_ser.serialize_field("images", &self.images)?;
        }
        if self.nodes != 0 {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("nodes", ToString::to_string(&self.nodes).as_str())?;
        }
        if self.containers != 0 {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("containers", ToString::to_string(&self.containers).as_str())?;
        }
        if self.newest_share != 0. {
            struct_ser.serialize_field("newestShare", &self.newest_share)?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for Family {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "family",
            "newest",
            "images",
            "nodes",
            "containers",
            "newest_share",
            "newestShare",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            Family,
            Newest,
            Images,
            Nodes,
            Containers,
            NewestShare,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "family" => Ok(GeneratedField::Family),
                            "newest" => Ok(GeneratedField::Newest),
                            "images" => Ok(GeneratedField::Images),
                            "nodes" => Ok(GeneratedField::Nodes),
                            "containers" => Ok(GeneratedField::Containers),
                            "newestShare" | "newest_share" => Ok(GeneratedField::NewestShare),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = Family;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct plumb.v1.Family")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<Family, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut family__ = None;
                let mut newest__ = None;
                let mut images__ = None;
                let mut nodes__ = None;
                let mut containers__ = None;
                let mut newest_share__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::Family => {
                            if family__.is_some() {
                                return Err(serde::de::Error::duplicate_field("family"));
                            }
                            family__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Newest => {
                            if newest__.is_some() {
                                return Err(serde::de::Error::duplicate_field("newest"));
                            }
                            newest__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Images => {
                            if images__.is_some() {
                                return Err(serde::de::Error::duplicate_field("images"));
                            }
                            images__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Nodes => {
                            if nodes__.is_some() {
                                return Err(serde::de::Error::duplicate_field("nodes"));
                            }
                            nodes__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Containers => {
                            if containers__.is_some() {
                                return Err(serde::de::Error::duplicate_field("containers"));
                            }
                            containers__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::NewestShare => {
                            if newest_share__.is_some() {
                                return Err(serde::de::Error::duplicate_field("newestShare"));
                            }
                            newest_share__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                    }
                }
                Ok(Family {
                    family: family__.unwrap_or_default(),
                    newest: newest__.unwrap_or_default(),
                    images: images__.unwrap_or_default(),
                    nodes: nodes__.unwrap_or_default(),
                    containers: containers__.unwrap_or_default(),
                    newest_share: newest_share__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("plumb.v1.Family", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for FamilyImage {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if !self.image_id.is_empty() {
            len += 1;
        }
        if self.pushed_unix_ms != 0 {
            len += 1;
        }
        if self.superseded_since_unix_ms != 0 {
            len += 1;
        }
        if self.nodes != 0 {
            len += 1;
        }
        if self.containers != 0 {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("plumb.v1.FamilyImage", len)?;
        if !self.image_id.is_empty() {
            struct_ser.serialize_field("imageId", &self.image_id)?;
        }
        if self.pushed_unix_ms != 0 {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("pushedUnixMs", ToString::to_string(&self.pushed_unix_ms).as_str())?;
        }
        if self.superseded_since_unix_ms != 0 {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("supersededSinceUnixMs", ToString::to_string(&self.superseded_since_unix_ms).as_str())?;
        }
        if self.nodes != 0 {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("nodes", ToString::to_string(&self.nodes).as_str())?;
        }
        if self.containers != 0 {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("containers", ToString::to_string(&self.containers).as_str())?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for FamilyImage {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "image_id",
            "imageId",
            "pushed_unix_ms",
            "pushedUnixMs",
            "superseded_since_unix_ms",
            "supersededSinceUnixMs",
            "nodes",
            "containers",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            ImageId,
            PushedUnixMs,
            SupersededSinceUnixMs,
            Nodes,
            Containers,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "imageId" | "image_id" => Ok(GeneratedField::ImageId),
                            "pushedUnixMs" | "pushed_unix_ms" => Ok(GeneratedField::PushedUnixMs),
                            "supersededSinceUnixMs" | "superseded_since_unix_ms" => Ok(GeneratedField::SupersededSinceUnixMs),
                            "nodes" => Ok(GeneratedField::Nodes),
                            "containers" => Ok(GeneratedField::Containers),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = FamilyImage;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct plumb.v1.FamilyImage")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<FamilyImage, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut image_id__ = None;
                let mut pushed_unix_ms__ = None;
                let mut superseded_since_unix_ms__ = None;
                let mut nodes__ = None;
                let mut containers__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::ImageId => {
                            if image_id__.is_some() {
                                return Err(serde::de::Error::duplicate_field("imageId"));
                            }
                            image_id__ = Some(map_.next_value()?);
                        }
                        GeneratedField::PushedUnixMs => {
                            if pushed_unix_ms__.is_some() {
                                return Err(serde::de::Error::duplicate_field("pushedUnixMs"));
                            }
                            pushed_unix_ms__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::SupersededSinceUnixMs => {
                            if superseded_since_unix_ms__.is_some() {
                                return Err(serde::de::Error::duplicate_field("supersededSinceUnixMs"));
                            }
                            superseded_since_unix_ms__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Nodes => {
                            if nodes__.is_some() {
                                return Err(serde::de::Error::duplicate_field("nodes"));
                            }
                            nodes__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Containers => {
                            if containers__.is_some() {
                                return Err(serde::de::Error::duplicate_field("containers"));
                            }
                            containers__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                    }
                }
                Ok(FamilyImage {
                    image_id: image_id__.unwrap_or_default(),
                    pushed_unix_ms: pushed_unix_ms__.unwrap_or_default(),
                    superseded_since_unix_ms: superseded_since_unix_ms__.unwrap_or_default(),
                    nodes: nodes__.unwrap_or_default(),
                    containers: containers__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("plumb.v1.FamilyImage", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for FetchManifestRequest {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if !self.image_id.is_empty() {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("plumb.v1.FetchManifestRequest", len)?;
        if !self.image_id.is_empty() {
            struct_ser.serialize_field("imageId", &self.image_id)?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for FetchManifestRequest {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "image_id",
            "imageId",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            ImageId,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "imageId" | "image_id" => Ok(GeneratedField::ImageId),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = FetchManifestRequest;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct plumb.v1.FetchManifestRequest")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<FetchManifestRequest, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut image_id__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::ImageId => {
                            if image_id__.is_some() {
                                return Err(serde::de::Error::duplicate_field("imageId"));
                            }
                            image_id__ = Some(map_.next_value()?);
                        }
                    }
                }
                Ok(FetchManifestRequest {
                    image_id: image_id__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("plumb.v1.FetchManifestRequest", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for FetchManifestResponse {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if !self.manifest.is_empty() {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("plumb.v1.FetchManifestResponse", len)?;
        if !self.manifest.is_empty() {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("manifest", pbjson::private::base64::encode(&self.manifest).as_str())?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for FetchManifestResponse {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "manifest",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            Manifest,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "manifest" => Ok(GeneratedField::Manifest),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = FetchManifestResponse;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct plumb.v1.FetchManifestResponse")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<FetchManifestResponse, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut manifest__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::Manifest => {
                            if manifest__.is_some() {
                                return Err(serde::de::Error::duplicate_field("manifest"));
                            }
                            manifest__ = 
                                Some(map_.next_value::<::pbjson::private::BytesDeserialize<_>>()?.0)
                            ;
                        }
                    }
                }
                Ok(FetchManifestResponse {
                    manifest: manifest__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("plumb.v1.FetchManifestResponse", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for FileEntry {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if !self.path.is_empty() {
            len += 1;
        }
        if !self.raw_path.is_empty() {
            len += 1;
        }
        if self.file_type != 0 {
            len += 1;
        }
        if self.mode != 0 {
            len += 1;
        }
        if self.uid != 0 {
            len += 1;
        }
        if self.gid != 0 {
            len += 1;
        }
        if self.size != 0 {
            len += 1;
        }
        if !self.sha256.is_empty() {
            len += 1;
        }
        if !self.link_target.is_empty() {
            len += 1;
        }
        if !self.raw_link_target.is_empty() {
            len += 1;
        }
        if self.rdev != 0 {
            len += 1;
        }
        if !self.package.is_empty() {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("plumb.v1.FileEntry", len)?;
        if !self.path.is_empty() {
            struct_ser.serialize_field("path", &self.path)?;
        }
        if !self.raw_path.is_empty() {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("rawPath", pbjson::private::base64::encode(&self.raw_path).as_str())?;
        }
        if self.file_type != 0 {
            let v = FileType::try_from(self.file_type)
                .map_err(|_| serde::ser::Error::custom(format!("Invalid variant {}", self.file_type)))?;
            struct_ser.serialize_field("fileType", &v)?;
        }
        if self.mode != 0 {
            struct_ser.serialize_field("mode", &self.mode)?;
        }
        if self.uid != 0 {
            struct_ser.serialize_field("uid", &self.uid)?;
        }
        if self.gid != 0 {
            struct_ser.serialize_field("gid", &self.gid)?;
        }
        if self.size != 0 {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("size", ToString::to_string(&self.size).as_str())?;
        }
        if !self.sha256.is_empty() {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("sha256", pbjson::private::base64::encode(&self.sha256).as_str())?;
        }
        if !self.link_target.is_empty() {
            struct_ser.serialize_field("linkTarget", &self.link_target)?;
        }
        if !self.raw_link_target.is_empty() {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("rawLinkTarget", pbjson::private::base64::encode(&self.raw_link_target).as_str())?;
        }
        if self.rdev != 0 {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("rdev", ToString::to_string(&self.rdev).as_str())?;
        }
        if !self.package.is_empty() {
            struct_ser.serialize_field("package", &self.package)?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for FileEntry {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "path",
            "raw_path",
            "rawPath",
            "file_type",
            "fileType",
            "mode",
            "uid",
            "gid",
            "size",
            "sha256",
            "link_target",
            "linkTarget",
            "raw_link_target",
            "rawLinkTarget",
            "rdev",
            "package",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            Path,
            RawPath,
            FileType,
            Mode,
            Uid,
            Gid,
            Size,
            Sha256,
            LinkTarget,
            RawLinkTarget,
            Rdev,
            Package,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "path" => Ok(GeneratedField::Path),
                            "rawPath" | "raw_path" => Ok(GeneratedField::RawPath),
                            "fileType" | "file_type" => Ok(GeneratedField::FileType),
                            "mode" => Ok(GeneratedField::Mode),
                            "uid" => Ok(GeneratedField::Uid),
                            "gid" => Ok(GeneratedField::Gid),
                            "size" => Ok(GeneratedField::Size),
                            "sha256" => Ok(GeneratedField::Sha256),
                            "linkTarget" | "link_target" => Ok(GeneratedField::LinkTarget),
                            "rawLinkTarget" | "raw_link_target" => Ok(GeneratedField::RawLinkTarget),
                            "rdev" => Ok(GeneratedField::Rdev),
                            "package" => Ok(GeneratedField::Package),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = FileEntry;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct plumb.v1.FileEntry")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<FileEntry, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut path__ = None;
                let mut raw_path__ = None;
                let mut file_type__ = None;
                let mut mode__ = None;
                let mut uid__ = None;
                let mut gid__ = None;
                let mut size__ = None;
                let mut sha256__ = None;
                let mut link_target__ = None;
                let mut raw_link_target__ = None;
                let mut rdev__ = None;
                let mut package__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::Path => {
                            if path__.is_some() {
                                return Err(serde::de::Error::duplicate_field("path"));
                            }
                            path__ = Some(map_.next_value()?);
                        }
                        GeneratedField::RawPath => {
                            if raw_path__.is_some() {
                                return Err(serde::de::Error::duplicate_field("rawPath"));
                            }
                            raw_path__ = 
                                Some(map_.next_value::<::pbjson::private::BytesDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::FileType => {
                            if file_type__.is_some() {
                                return Err(serde::de::Error::duplicate_field("fileType"));
                            }
                            file_type__ = Some(map_.next_value::<FileType>()? as i32);
                        }
                        GeneratedField::Mode => {
                            if mode__.is_some() {
                                return Err(serde::de::Error::duplicate_field("mode"));
                            }
                            mode__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Uid => {
                            if uid__.is_some() {
                                return Err(serde::de::Error::duplicate_field("uid"));
                            }
                            uid__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Gid => {
                            if gid__.is_some() {
                                return Err(serde::de::Error::duplicate_field("gid"));
                            }
                            gid__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Size => {
                            if size__.is_some() {
                                return Err(serde::de::Error::duplicate_field("size"));
                            }
                            size__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Sha256 => {
                            if sha256__.is_some() {
                                return Err(serde::de::Error::duplicate_field("sha256"));
                            }
                            sha256__ = 
                                Some(map_.next_value::<::pbjson::private::BytesDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::LinkTarget => {
                            if link_target__.is_some() {
                                return Err(serde::de::Error::duplicate_field("linkTarget"));
                            }
                            link_target__ = Some(map_.next_value()?);
                        }
                        GeneratedField::RawLinkTarget => {
                            if raw_link_target__.is_some() {
                                return Err(serde::de::Error::duplicate_field("rawLinkTarget"));
                            }
                            raw_link_target__ = 
                                Some(map_.next_value::<::pbjson::private::BytesDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Rdev => {
                            if rdev__.is_some() {
                                return Err(serde::de::Error::duplicate_field("rdev"));
                            }
                            rdev__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Package => {
                            if package__.is_some() {
                                return Err(serde::de::Error::duplicate_field("package"));
                            }
                            package__ = Some(map_.next_value()?);
                        }
                    }
                }
                Ok(FileEntry {
                    path: path__.unwrap_or_default(),
                    raw_path: raw_path__.unwrap_or_default(),
                    file_type: file_type__.unwrap_or_default(),
                    mode: mode__.unwrap_or_default(),
                    uid: uid__.unwrap_or_default(),
                    gid: gid__.unwrap_or_default(),
                    size: size__.unwrap_or_default(),
                    sha256: sha256__.unwrap_or_default(),
                    link_target: link_target__.unwrap_or_default(),
                    raw_link_target: raw_link_target__.unwrap_or_default(),
                    rdev: rdev__.unwrap_or_default(),
                    package: package__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("plumb.v1.FileEntry", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for FileType {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        let variant = match self {
            Self::Unspecified => "FILE_TYPE_UNSPECIFIED",
            Self::Regular => "FILE_TYPE_REGULAR",
            Self::Directory => "FILE_TYPE_DIRECTORY",
            Self::Symlink => "FILE_TYPE_SYMLINK",
            Self::CharDevice => "FILE_TYPE_CHAR_DEVICE",
            Self::BlockDevice => "FILE_TYPE_BLOCK_DEVICE",
            Self::Fifo => "FILE_TYPE_FIFO",
            Self::Socket => "FILE_TYPE_SOCKET",
        };
        serializer.serialize_str(variant)
    }
}
impl<'de> serde::Deserialize<'de> for FileType {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "FILE_TYPE_UNSPECIFIED",
            "FILE_TYPE_REGULAR",
            "FILE_TYPE_DIRECTORY",
            "FILE_TYPE_SYMLINK",
            "FILE_TYPE_CHAR_DEVICE",
            "FILE_TYPE_BLOCK_DEVICE",
            "FILE_TYPE_FIFO",
            "FILE_TYPE_SOCKET",
        ];

        struct GeneratedVisitor;

        impl serde::de::Visitor<'_> for GeneratedVisitor {
            type Value = FileType;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(formatter, "expected one of: {:?}", &FIELDS)
            }

            fn visit_i64<E>(self, v: i64) -> std::result::Result<Self::Value, E>
            where
                E: serde::de::Error,
            {
                i32::try_from(v)
                    .ok()
                    .and_then(|x| x.try_into().ok())
                    .ok_or_else(|| {
                        serde::de::Error::invalid_value(serde::de::Unexpected::Signed(v), &self)
                    })
            }

            fn visit_u64<E>(self, v: u64) -> std::result::Result<Self::Value, E>
            where
                E: serde::de::Error,
            {
                i32::try_from(v)
                    .ok()
                    .and_then(|x| x.try_into().ok())
                    .ok_or_else(|| {
                        serde::de::Error::invalid_value(serde::de::Unexpected::Unsigned(v), &self)
                    })
            }

            fn visit_str<E>(self, value: &str) -> std::result::Result<Self::Value, E>
            where
                E: serde::de::Error,
            {
                match value {
                    "FILE_TYPE_UNSPECIFIED" => Ok(FileType::Unspecified),
                    "FILE_TYPE_REGULAR" => Ok(FileType::Regular),
                    "FILE_TYPE_DIRECTORY" => Ok(FileType::Directory),
                    "FILE_TYPE_SYMLINK" => Ok(FileType::Symlink),
                    "FILE_TYPE_CHAR_DEVICE" => Ok(FileType::CharDevice),
                    "FILE_TYPE_BLOCK_DEVICE" => Ok(FileType::BlockDevice),
                    "FILE_TYPE_FIFO" => Ok(FileType::Fifo),
                    "FILE_TYPE_SOCKET" => Ok(FileType::Socket),
                    _ => Err(serde::de::Error::unknown_variant(value, FIELDS)),
                }
            }
        }
        deserializer.deserialize_any(GeneratedVisitor)
    }
}
impl serde::Serialize for FlagEvent {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if !self.node_id.is_empty() {
            len += 1;
        }
        if !self.image_id.is_empty() {
            len += 1;
        }
        if self.from != 0 {
            len += 1;
        }
        if self.to != 0 {
            len += 1;
        }
        if !self.reasons.is_empty() {
            len += 1;
        }
        if self.at_unix_ms != 0 {
            len += 1;
        }
        if !self.hostname.is_empty() {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("plumb.v1.FlagEvent", len)?;
        if !self.node_id.is_empty() {
            struct_ser.serialize_field("nodeId", &self.node_id)?;
        }
        if !self.image_id.is_empty() {
            struct_ser.serialize_field("imageId", &self.image_id)?;
        }
        if self.from != 0 {
            let v = NodeStatus::try_from(self.from)
                .map_err(|_| serde::ser::Error::custom(format!("Invalid variant {}", self.from)))?;
            struct_ser.serialize_field("from", &v)?;
        }
        if self.to != 0 {
            let v = NodeStatus::try_from(self.to)
                .map_err(|_| serde::ser::Error::custom(format!("Invalid variant {}", self.to)))?;
            struct_ser.serialize_field("to", &v)?;
        }
        if !self.reasons.is_empty() {
            struct_ser.serialize_field("reasons", &self.reasons)?;
        }
        if self.at_unix_ms != 0 {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("atUnixMs", ToString::to_string(&self.at_unix_ms).as_str())?;
        }
        if !self.hostname.is_empty() {
            struct_ser.serialize_field("hostname", &self.hostname)?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for FlagEvent {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "node_id",
            "nodeId",
            "image_id",
            "imageId",
            "from",
            "to",
            "reasons",
            "at_unix_ms",
            "atUnixMs",
            "hostname",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            NodeId,
            ImageId,
            From,
            To,
            Reasons,
            AtUnixMs,
            Hostname,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "nodeId" | "node_id" => Ok(GeneratedField::NodeId),
                            "imageId" | "image_id" => Ok(GeneratedField::ImageId),
                            "from" => Ok(GeneratedField::From),
                            "to" => Ok(GeneratedField::To),
                            "reasons" => Ok(GeneratedField::Reasons),
                            "atUnixMs" | "at_unix_ms" => Ok(GeneratedField::AtUnixMs),
                            "hostname" => Ok(GeneratedField::Hostname),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = FlagEvent;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct plumb.v1.FlagEvent")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<FlagEvent, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut node_id__ = None;
                let mut image_id__ = None;
                let mut from__ = None;
                let mut to__ = None;
                let mut reasons__ = None;
                let mut at_unix_ms__ = None;
                let mut hostname__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::NodeId => {
                            if node_id__.is_some() {
                                return Err(serde::de::Error::duplicate_field("nodeId"));
                            }
                            node_id__ = Some(map_.next_value()?);
                        }
                        GeneratedField::ImageId => {
                            if image_id__.is_some() {
                                return Err(serde::de::Error::duplicate_field("imageId"));
                            }
                            image_id__ = Some(map_.next_value()?);
                        }
                        GeneratedField::From => {
                            if from__.is_some() {
                                return Err(serde::de::Error::duplicate_field("from"));
                            }
                            from__ = Some(map_.next_value::<NodeStatus>()? as i32);
                        }
                        GeneratedField::To => {
                            if to__.is_some() {
                                return Err(serde::de::Error::duplicate_field("to"));
                            }
                            to__ = Some(map_.next_value::<NodeStatus>()? as i32);
                        }
                        GeneratedField::Reasons => {
                            if reasons__.is_some() {
                                return Err(serde::de::Error::duplicate_field("reasons"));
                            }
                            reasons__ = Some(map_.next_value()?);
                        }
                        GeneratedField::AtUnixMs => {
                            if at_unix_ms__.is_some() {
                                return Err(serde::de::Error::duplicate_field("atUnixMs"));
                            }
                            at_unix_ms__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Hostname => {
                            if hostname__.is_some() {
                                return Err(serde::de::Error::duplicate_field("hostname"));
                            }
                            hostname__ = Some(map_.next_value()?);
                        }
                    }
                }
                Ok(FlagEvent {
                    node_id: node_id__.unwrap_or_default(),
                    image_id: image_id__.unwrap_or_default(),
                    from: from__.unwrap_or_default(),
                    to: to__.unwrap_or_default(),
                    reasons: reasons__.unwrap_or_default(),
                    at_unix_ms: at_unix_ms__.unwrap_or_default(),
                    hostname: hostname__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("plumb.v1.FlagEvent", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for GetNodeRequest {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if !self.node_id.is_empty() {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("plumb.v1.GetNodeRequest", len)?;
        if !self.node_id.is_empty() {
            struct_ser.serialize_field("nodeId", &self.node_id)?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for GetNodeRequest {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "node_id",
            "nodeId",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            NodeId,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "nodeId" | "node_id" => Ok(GeneratedField::NodeId),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = GetNodeRequest;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct plumb.v1.GetNodeRequest")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<GetNodeRequest, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut node_id__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::NodeId => {
                            if node_id__.is_some() {
                                return Err(serde::de::Error::duplicate_field("nodeId"));
                            }
                            node_id__ = Some(map_.next_value()?);
                        }
                    }
                }
                Ok(GetNodeRequest {
                    node_id: node_id__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("plumb.v1.GetNodeRequest", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for Heartbeat {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if self.unix_ms != 0 {
            len += 1;
        }
        if self.open_deviations != 0 {
            len += 1;
        }
        if self.spooled != 0 {
            len += 1;
        }
        if !self.spool_error.is_empty() {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("plumb.v1.Heartbeat", len)?;
        if self.unix_ms != 0 {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("unixMs", ToString::to_string(&self.unix_ms).as_str())?;
        }
        if self.open_deviations != 0 {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("openDeviations", ToString::to_string(&self.open_deviations).as_str())?;
        }
        if self.spooled != 0 {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("spooled", ToString::to_string(&self.spooled).as_str())?;
        }
        if !self.spool_error.is_empty() {
            struct_ser.serialize_field("spoolError", &self.spool_error)?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for Heartbeat {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "unix_ms",
            "unixMs",
            "open_deviations",
            "openDeviations",
            "spooled",
            "spool_error",
            "spoolError",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            UnixMs,
            OpenDeviations,
            Spooled,
            SpoolError,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "unixMs" | "unix_ms" => Ok(GeneratedField::UnixMs),
                            "openDeviations" | "open_deviations" => Ok(GeneratedField::OpenDeviations),
                            "spooled" => Ok(GeneratedField::Spooled),
                            "spoolError" | "spool_error" => Ok(GeneratedField::SpoolError),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = Heartbeat;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct plumb.v1.Heartbeat")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<Heartbeat, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut unix_ms__ = None;
                let mut open_deviations__ = None;
                let mut spooled__ = None;
                let mut spool_error__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::UnixMs => {
                            if unix_ms__.is_some() {
                                return Err(serde::de::Error::duplicate_field("unixMs"));
                            }
                            unix_ms__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::OpenDeviations => {
                            if open_deviations__.is_some() {
                                return Err(serde::de::Error::duplicate_field("openDeviations"));
                            }
                            open_deviations__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Spooled => {
                            if spooled__.is_some() {
                                return Err(serde::de::Error::duplicate_field("spooled"));
                            }
                            spooled__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::SpoolError => {
                            if spool_error__.is_some() {
                                return Err(serde::de::Error::duplicate_field("spoolError"));
                            }
                            spool_error__ = Some(map_.next_value()?);
                        }
                    }
                }
                Ok(Heartbeat {
                    unix_ms: unix_ms__.unwrap_or_default(),
                    open_deviations: open_deviations__.unwrap_or_default(),
                    spooled: spooled__.unwrap_or_default(),
                    spool_error: spool_error__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("plumb.v1.Heartbeat", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for Hello {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if !self.node_id.is_empty() {
            len += 1;
        }
        if !self.hostname.is_empty() {
            len += 1;
        }
        if !self.image_id.is_empty() {
            len += 1;
        }
        if !self.manifest_digest.is_empty() {
            len += 1;
        }
        if !self.agent_version.is_empty() {
            len += 1;
        }
        if !self.boot_id.is_empty() {
            len += 1;
        }
        if self.heartbeat_secs != 0 {
            len += 1;
        }
        if self.exec_monitor != 0 {
            len += 1;
        }
        if self.containers {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("plumb.v1.Hello", len)?;
        if !self.node_id.is_empty() {
            struct_ser.serialize_field("nodeId", &self.node_id)?;
        }
        if !self.hostname.is_empty() {
            struct_ser.serialize_field("hostname", &self.hostname)?;
        }
        if !self.image_id.is_empty() {
            struct_ser.serialize_field("imageId", &self.image_id)?;
        }
        if !self.manifest_digest.is_empty() {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("manifestDigest", pbjson::private::base64::encode(&self.manifest_digest).as_str())?;
        }
        if !self.agent_version.is_empty() {
            struct_ser.serialize_field("agentVersion", &self.agent_version)?;
        }
        if !self.boot_id.is_empty() {
            struct_ser.serialize_field("bootId", &self.boot_id)?;
        }
        if self.heartbeat_secs != 0 {
            struct_ser.serialize_field("heartbeatSecs", &self.heartbeat_secs)?;
        }
        if self.exec_monitor != 0 {
            let v = ExecMonitor::try_from(self.exec_monitor)
                .map_err(|_| serde::ser::Error::custom(format!("Invalid variant {}", self.exec_monitor)))?;
            struct_ser.serialize_field("execMonitor", &v)?;
        }
        if self.containers {
            struct_ser.serialize_field("containers", &self.containers)?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for Hello {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "node_id",
            "nodeId",
            "hostname",
            "image_id",
            "imageId",
            "manifest_digest",
            "manifestDigest",
            "agent_version",
            "agentVersion",
            "boot_id",
            "bootId",
            "heartbeat_secs",
            "heartbeatSecs",
            "exec_monitor",
            "execMonitor",
            "containers",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            NodeId,
            Hostname,
            ImageId,
            ManifestDigest,
            AgentVersion,
            BootId,
            HeartbeatSecs,
            ExecMonitor,
            Containers,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "nodeId" | "node_id" => Ok(GeneratedField::NodeId),
                            "hostname" => Ok(GeneratedField::Hostname),
                            "imageId" | "image_id" => Ok(GeneratedField::ImageId),
                            "manifestDigest" | "manifest_digest" => Ok(GeneratedField::ManifestDigest),
                            "agentVersion" | "agent_version" => Ok(GeneratedField::AgentVersion),
                            "bootId" | "boot_id" => Ok(GeneratedField::BootId),
                            "heartbeatSecs" | "heartbeat_secs" => Ok(GeneratedField::HeartbeatSecs),
                            "execMonitor" | "exec_monitor" => Ok(GeneratedField::ExecMonitor),
                            "containers" => Ok(GeneratedField::Containers),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = Hello;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct plumb.v1.Hello")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<Hello, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut node_id__ = None;
                let mut hostname__ = None;
                let mut image_id__ = None;
                let mut manifest_digest__ = None;
                let mut agent_version__ = None;
                let mut boot_id__ = None;
                let mut heartbeat_secs__ = None;
                let mut exec_monitor__ = None;
                let mut containers__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::NodeId => {
                            if node_id__.is_some() {
                                return Err(serde::de::Error::duplicate_field("nodeId"));
                            }
                            node_id__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Hostname => {
                            if hostname__.is_some() {
                                return Err(serde::de::Error::duplicate_field("hostname"));
                            }
                            hostname__ = Some(map_.next_value()?);
                        }
                        GeneratedField::ImageId => {
                            if image_id__.is_some() {
                                return Err(serde::de::Error::duplicate_field("imageId"));
                            }
                            image_id__ = Some(map_.next_value()?);
                        }
                        GeneratedField::ManifestDigest => {
                            if manifest_digest__.is_some() {
                                return Err(serde::de::Error::duplicate_field("manifestDigest"));
                            }
                            manifest_digest__ = 
                                Some(map_.next_value::<::pbjson::private::BytesDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::AgentVersion => {
                            if agent_version__.is_some() {
                                return Err(serde::de::Error::duplicate_field("agentVersion"));
                            }
                            agent_version__ = Some(map_.next_value()?);
                        }
                        GeneratedField::BootId => {
                            if boot_id__.is_some() {
                                return Err(serde::de::Error::duplicate_field("bootId"));
                            }
                            boot_id__ = Some(map_.next_value()?);
                        }
                        GeneratedField::HeartbeatSecs => {
                            if heartbeat_secs__.is_some() {
                                return Err(serde::de::Error::duplicate_field("heartbeatSecs"));
                            }
                            heartbeat_secs__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::ExecMonitor => {
                            if exec_monitor__.is_some() {
                                return Err(serde::de::Error::duplicate_field("execMonitor"));
                            }
                            exec_monitor__ = Some(map_.next_value::<ExecMonitor>()? as i32);
                        }
                        GeneratedField::Containers => {
                            if containers__.is_some() {
                                return Err(serde::de::Error::duplicate_field("containers"));
                            }
                            containers__ = Some(map_.next_value()?);
                        }
                    }
                }
                Ok(Hello {
                    node_id: node_id__.unwrap_or_default(),
                    hostname: hostname__.unwrap_or_default(),
                    image_id: image_id__.unwrap_or_default(),
                    manifest_digest: manifest_digest__.unwrap_or_default(),
                    agent_version: agent_version__.unwrap_or_default(),
                    boot_id: boot_id__.unwrap_or_default(),
                    heartbeat_secs: heartbeat_secs__.unwrap_or_default(),
                    exec_monitor: exec_monitor__.unwrap_or_default(),
                    containers: containers__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("plumb.v1.Hello", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for HelloAck {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if self.last_seq != 0 {
            len += 1;
        }
        if self.heartbeat_secs != 0 {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("plumb.v1.HelloAck", len)?;
        if self.last_seq != 0 {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("lastSeq", ToString::to_string(&self.last_seq).as_str())?;
        }
        if self.heartbeat_secs != 0 {
            struct_ser.serialize_field("heartbeatSecs", &self.heartbeat_secs)?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for HelloAck {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "last_seq",
            "lastSeq",
            "heartbeat_secs",
            "heartbeatSecs",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            LastSeq,
            HeartbeatSecs,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "lastSeq" | "last_seq" => Ok(GeneratedField::LastSeq),
                            "heartbeatSecs" | "heartbeat_secs" => Ok(GeneratedField::HeartbeatSecs),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = HelloAck;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct plumb.v1.HelloAck")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<HelloAck, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut last_seq__ = None;
                let mut heartbeat_secs__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::LastSeq => {
                            if last_seq__.is_some() {
                                return Err(serde::de::Error::duplicate_field("lastSeq"));
                            }
                            last_seq__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::HeartbeatSecs => {
                            if heartbeat_secs__.is_some() {
                                return Err(serde::de::Error::duplicate_field("heartbeatSecs"));
                            }
                            heartbeat_secs__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                    }
                }
                Ok(HelloAck {
                    last_seq: last_seq__.unwrap_or_default(),
                    heartbeat_secs: heartbeat_secs__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("plumb.v1.HelloAck", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for ImageKind {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        let variant = match self {
            Self::Unspecified => "IMAGE_KIND_UNSPECIFIED",
            Self::Machine => "IMAGE_KIND_MACHINE",
            Self::Container => "IMAGE_KIND_CONTAINER",
        };
        serializer.serialize_str(variant)
    }
}
impl<'de> serde::Deserialize<'de> for ImageKind {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "IMAGE_KIND_UNSPECIFIED",
            "IMAGE_KIND_MACHINE",
            "IMAGE_KIND_CONTAINER",
        ];

        struct GeneratedVisitor;

        impl serde::de::Visitor<'_> for GeneratedVisitor {
            type Value = ImageKind;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(formatter, "expected one of: {:?}", &FIELDS)
            }

            fn visit_i64<E>(self, v: i64) -> std::result::Result<Self::Value, E>
            where
                E: serde::de::Error,
            {
                i32::try_from(v)
                    .ok()
                    .and_then(|x| x.try_into().ok())
                    .ok_or_else(|| {
                        serde::de::Error::invalid_value(serde::de::Unexpected::Signed(v), &self)
                    })
            }

            fn visit_u64<E>(self, v: u64) -> std::result::Result<Self::Value, E>
            where
                E: serde::de::Error,
            {
                i32::try_from(v)
                    .ok()
                    .and_then(|x| x.try_into().ok())
                    .ok_or_else(|| {
                        serde::de::Error::invalid_value(serde::de::Unexpected::Unsigned(v), &self)
                    })
            }

            fn visit_str<E>(self, value: &str) -> std::result::Result<Self::Value, E>
            where
                E: serde::de::Error,
            {
                match value {
                    "IMAGE_KIND_UNSPECIFIED" => Ok(ImageKind::Unspecified),
                    "IMAGE_KIND_MACHINE" => Ok(ImageKind::Machine),
                    "IMAGE_KIND_CONTAINER" => Ok(ImageKind::Container),
                    _ => Err(serde::de::Error::unknown_variant(value, FIELDS)),
                }
            }
        }
        deserializer.deserialize_any(GeneratedVisitor)
    }
}
impl serde::Serialize for ImagePackage {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if !self.image_id.is_empty() {
            len += 1;
        }
        if self.image_kind != 0 {
            len += 1;
        }
        if self.manager != 0 {
            len += 1;
        }
        if !self.name.is_empty() {
            len += 1;
        }
        if !self.version.is_empty() {
            len += 1;
        }
        if !self.arch.is_empty() {
            len += 1;
        }
        if !self.source.is_empty() {
            len += 1;
        }
        if !self.source_version.is_empty() {
            len += 1;
        }
        if self.nodes != 0 {
            len += 1;
        }
        if self.containers != 0 {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("plumb.v1.ImagePackage", len)?;
        if !self.image_id.is_empty() {
            struct_ser.serialize_field("imageId", &self.image_id)?;
        }
        if self.image_kind != 0 {
            let v = ImageKind::try_from(self.image_kind)
                .map_err(|_| serde::ser::Error::custom(format!("Invalid variant {}", self.image_kind)))?;
            struct_ser.serialize_field("imageKind", &v)?;
        }
        if self.manager != 0 {
            let v = PackageManager::try_from(self.manager)
                .map_err(|_| serde::ser::Error::custom(format!("Invalid variant {}", self.manager)))?;
            struct_ser.serialize_field("manager", &v)?;
        }
        if !self.name.is_empty() {
            struct_ser.serialize_field("name", &self.name)?;
        }
        if !self.version.is_empty() {
            struct_ser.serialize_field("version", &self.version)?;
        }
        if !self.arch.is_empty() {
            struct_ser.serialize_field("arch", &self.arch)?;
        }
        if !self.source.is_empty() {
            struct_ser.serialize_field("source", &self.source)?;
        }
        if !self.source_version.is_empty() {
            struct_ser.serialize_field("sourceVersion", &self.source_version)?;
        }
        if self.nodes != 0 {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("nodes", ToString::to_string(&self.nodes).as_str())?;
        }
        if self.containers != 0 {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("containers", ToString::to_string(&self.containers).as_str())?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for ImagePackage {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "image_id",
            "imageId",
            "image_kind",
            "imageKind",
            "manager",
            "name",
            "version",
            "arch",
            "source",
            "source_version",
            "sourceVersion",
            "nodes",
            "containers",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            ImageId,
            ImageKind,
            Manager,
            Name,
            Version,
            Arch,
            Source,
            SourceVersion,
            Nodes,
            Containers,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "imageId" | "image_id" => Ok(GeneratedField::ImageId),
                            "imageKind" | "image_kind" => Ok(GeneratedField::ImageKind),
                            "manager" => Ok(GeneratedField::Manager),
                            "name" => Ok(GeneratedField::Name),
                            "version" => Ok(GeneratedField::Version),
                            "arch" => Ok(GeneratedField::Arch),
                            "source" => Ok(GeneratedField::Source),
                            "sourceVersion" | "source_version" => Ok(GeneratedField::SourceVersion),
                            "nodes" => Ok(GeneratedField::Nodes),
                            "containers" => Ok(GeneratedField::Containers),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = ImagePackage;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct plumb.v1.ImagePackage")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<ImagePackage, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut image_id__ = None;
                let mut image_kind__ = None;
                let mut manager__ = None;
                let mut name__ = None;
                let mut version__ = None;
                let mut arch__ = None;
                let mut source__ = None;
                let mut source_version__ = None;
                let mut nodes__ = None;
                let mut containers__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::ImageId => {
                            if image_id__.is_some() {
                                return Err(serde::de::Error::duplicate_field("imageId"));
                            }
                            image_id__ = Some(map_.next_value()?);
                        }
                        GeneratedField::ImageKind => {
                            if image_kind__.is_some() {
                                return Err(serde::de::Error::duplicate_field("imageKind"));
                            }
                            image_kind__ = Some(map_.next_value::<ImageKind>()? as i32);
                        }
                        GeneratedField::Manager => {
                            if manager__.is_some() {
                                return Err(serde::de::Error::duplicate_field("manager"));
                            }
                            manager__ = Some(map_.next_value::<PackageManager>()? as i32);
                        }
                        GeneratedField::Name => {
                            if name__.is_some() {
                                return Err(serde::de::Error::duplicate_field("name"));
                            }
                            name__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Version => {
                            if version__.is_some() {
                                return Err(serde::de::Error::duplicate_field("version"));
                            }
                            version__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Arch => {
                            if arch__.is_some() {
                                return Err(serde::de::Error::duplicate_field("arch"));
                            }
                            arch__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Source => {
                            if source__.is_some() {
                                return Err(serde::de::Error::duplicate_field("source"));
                            }
                            source__ = Some(map_.next_value()?);
                        }
                        GeneratedField::SourceVersion => {
                            if source_version__.is_some() {
                                return Err(serde::de::Error::duplicate_field("sourceVersion"));
                            }
                            source_version__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Nodes => {
                            if nodes__.is_some() {
                                return Err(serde::de::Error::duplicate_field("nodes"));
                            }
                            nodes__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Containers => {
                            if containers__.is_some() {
                                return Err(serde::de::Error::duplicate_field("containers"));
                            }
                            containers__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                    }
                }
                Ok(ImagePackage {
                    image_id: image_id__.unwrap_or_default(),
                    image_kind: image_kind__.unwrap_or_default(),
                    manager: manager__.unwrap_or_default(),
                    name: name__.unwrap_or_default(),
                    version: version__.unwrap_or_default(),
                    arch: arch__.unwrap_or_default(),
                    source: source__.unwrap_or_default(),
                    source_version: source_version__.unwrap_or_default(),
                    nodes: nodes__.unwrap_or_default(),
                    containers: containers__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("plumb.v1.ImagePackage", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for ImageSummary {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if !self.image_id.is_empty() {
            len += 1;
        }
        if !self.digest.is_empty() {
            len += 1;
        }
        if self.pushed_unix_ms != 0 {
            len += 1;
        }
        if self.files != 0 {
            len += 1;
        }
        if self.packages != 0 {
            len += 1;
        }
        if self.nodes != 0 {
            len += 1;
        }
        if self.drifted_nodes != 0 {
            len += 1;
        }
        if !self.labels.is_empty() {
            len += 1;
        }
        if self.flagged_nodes != 0 {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("plumb.v1.ImageSummary", len)?;
        if !self.image_id.is_empty() {
            struct_ser.serialize_field("imageId", &self.image_id)?;
        }
        if !self.digest.is_empty() {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("digest", pbjson::private::base64::encode(&self.digest).as_str())?;
        }
        if self.pushed_unix_ms != 0 {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("pushedUnixMs", ToString::to_string(&self.pushed_unix_ms).as_str())?;
        }
        if self.files != 0 {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("files", ToString::to_string(&self.files).as_str())?;
        }
        if self.packages != 0 {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("packages", ToString::to_string(&self.packages).as_str())?;
        }
        if self.nodes != 0 {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("nodes", ToString::to_string(&self.nodes).as_str())?;
        }
        if self.drifted_nodes != 0 {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("driftedNodes", ToString::to_string(&self.drifted_nodes).as_str())?;
        }
        if !self.labels.is_empty() {
            struct_ser.serialize_field("labels", &self.labels)?;
        }
        if self.flagged_nodes != 0 {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("flaggedNodes", ToString::to_string(&self.flagged_nodes).as_str())?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for ImageSummary {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "image_id",
            "imageId",
            "digest",
            "pushed_unix_ms",
            "pushedUnixMs",
            "files",
            "packages",
            "nodes",
            "drifted_nodes",
            "driftedNodes",
            "labels",
            "flagged_nodes",
            "flaggedNodes",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            ImageId,
            Digest,
            PushedUnixMs,
            Files,
            Packages,
            Nodes,
            DriftedNodes,
            Labels,
            FlaggedNodes,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "imageId" | "image_id" => Ok(GeneratedField::ImageId),
                            "digest" => Ok(GeneratedField::Digest),
                            "pushedUnixMs" | "pushed_unix_ms" => Ok(GeneratedField::PushedUnixMs),
                            "files" => Ok(GeneratedField::Files),
                            "packages" => Ok(GeneratedField::Packages),
                            "nodes" => Ok(GeneratedField::Nodes),
                            "driftedNodes" | "drifted_nodes" => Ok(GeneratedField::DriftedNodes),
                            "labels" => Ok(GeneratedField::Labels),
                            "flaggedNodes" | "flagged_nodes" => Ok(GeneratedField::FlaggedNodes),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = ImageSummary;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct plumb.v1.ImageSummary")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<ImageSummary, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut image_id__ = None;
                let mut digest__ = None;
                let mut pushed_unix_ms__ = None;
                let mut files__ = None;
                let mut packages__ = None;
                let mut nodes__ = None;
                let mut drifted_nodes__ = None;
                let mut labels__ = None;
                let mut flagged_nodes__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::ImageId => {
                            if image_id__.is_some() {
                                return Err(serde::de::Error::duplicate_field("imageId"));
                            }
                            image_id__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Digest => {
                            if digest__.is_some() {
                                return Err(serde::de::Error::duplicate_field("digest"));
                            }
                            digest__ = 
                                Some(map_.next_value::<::pbjson::private::BytesDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::PushedUnixMs => {
                            if pushed_unix_ms__.is_some() {
                                return Err(serde::de::Error::duplicate_field("pushedUnixMs"));
                            }
                            pushed_unix_ms__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Files => {
                            if files__.is_some() {
                                return Err(serde::de::Error::duplicate_field("files"));
                            }
                            files__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Packages => {
                            if packages__.is_some() {
                                return Err(serde::de::Error::duplicate_field("packages"));
                            }
                            packages__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Nodes => {
                            if nodes__.is_some() {
                                return Err(serde::de::Error::duplicate_field("nodes"));
                            }
                            nodes__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::DriftedNodes => {
                            if drifted_nodes__.is_some() {
                                return Err(serde::de::Error::duplicate_field("driftedNodes"));
                            }
                            drifted_nodes__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Labels => {
                            if labels__.is_some() {
                                return Err(serde::de::Error::duplicate_field("labels"));
                            }
                            labels__ = Some(map_.next_value()?);
                        }
                        GeneratedField::FlaggedNodes => {
                            if flagged_nodes__.is_some() {
                                return Err(serde::de::Error::duplicate_field("flaggedNodes"));
                            }
                            flagged_nodes__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                    }
                }
                Ok(ImageSummary {
                    image_id: image_id__.unwrap_or_default(),
                    digest: digest__.unwrap_or_default(),
                    pushed_unix_ms: pushed_unix_ms__.unwrap_or_default(),
                    files: files__.unwrap_or_default(),
                    packages: packages__.unwrap_or_default(),
                    nodes: nodes__.unwrap_or_default(),
                    drifted_nodes: drifted_nodes__.unwrap_or_default(),
                    labels: labels__.unwrap_or_default(),
                    flagged_nodes: flagged_nodes__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("plumb.v1.ImageSummary", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for ImportAdvisoriesRequest {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if !self.osv.is_empty() {
            len += 1;
        }
        if !self.source_name.is_empty() {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("plumb.v1.ImportAdvisoriesRequest", len)?;
        if !self.osv.is_empty() {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("osv", pbjson::private::base64::encode(&self.osv).as_str())?;
        }
        if !self.source_name.is_empty() {
            struct_ser.serialize_field("sourceName", &self.source_name)?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for ImportAdvisoriesRequest {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "osv",
            "source_name",
            "sourceName",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            Osv,
            SourceName,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "osv" => Ok(GeneratedField::Osv),
                            "sourceName" | "source_name" => Ok(GeneratedField::SourceName),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = ImportAdvisoriesRequest;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct plumb.v1.ImportAdvisoriesRequest")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<ImportAdvisoriesRequest, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut osv__ = None;
                let mut source_name__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::Osv => {
                            if osv__.is_some() {
                                return Err(serde::de::Error::duplicate_field("osv"));
                            }
                            osv__ = 
                                Some(map_.next_value::<::pbjson::private::BytesDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::SourceName => {
                            if source_name__.is_some() {
                                return Err(serde::de::Error::duplicate_field("sourceName"));
                            }
                            source_name__ = Some(map_.next_value()?);
                        }
                    }
                }
                Ok(ImportAdvisoriesRequest {
                    osv: osv__.unwrap_or_default(),
                    source_name: source_name__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("plumb.v1.ImportAdvisoriesRequest", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for ImportAdvisoriesResponse {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if self.advisories != 0 {
            len += 1;
        }
        if self.packages != 0 {
            len += 1;
        }
        if self.skipped_packages != 0 {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("plumb.v1.ImportAdvisoriesResponse", len)?;
        if self.advisories != 0 {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("advisories", ToString::to_string(&self.advisories).as_str())?;
        }
        if self.packages != 0 {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("packages", ToString::to_string(&self.packages).as_str())?;
        }
        if self.skipped_packages != 0 {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("skippedPackages", ToString::to_string(&self.skipped_packages).as_str())?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for ImportAdvisoriesResponse {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "advisories",
            "packages",
            "skipped_packages",
            "skippedPackages",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            Advisories,
            Packages,
            SkippedPackages,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "advisories" => Ok(GeneratedField::Advisories),
                            "packages" => Ok(GeneratedField::Packages),
                            "skippedPackages" | "skipped_packages" => Ok(GeneratedField::SkippedPackages),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = ImportAdvisoriesResponse;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct plumb.v1.ImportAdvisoriesResponse")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<ImportAdvisoriesResponse, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut advisories__ = None;
                let mut packages__ = None;
                let mut skipped_packages__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::Advisories => {
                            if advisories__.is_some() {
                                return Err(serde::de::Error::duplicate_field("advisories"));
                            }
                            advisories__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Packages => {
                            if packages__.is_some() {
                                return Err(serde::de::Error::duplicate_field("packages"));
                            }
                            packages__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::SkippedPackages => {
                            if skipped_packages__.is_some() {
                                return Err(serde::de::Error::duplicate_field("skippedPackages"));
                            }
                            skipped_packages__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                    }
                }
                Ok(ImportAdvisoriesResponse {
                    advisories: advisories__.unwrap_or_default(),
                    packages: packages__.unwrap_or_default(),
                    skipped_packages: skipped_packages__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("plumb.v1.ImportAdvisoriesResponse", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for Label {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if !self.key.is_empty() {
            len += 1;
        }
        if !self.value.is_empty() {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("plumb.v1.Label", len)?;
        if !self.key.is_empty() {
            struct_ser.serialize_field("key", &self.key)?;
        }
        if !self.value.is_empty() {
            struct_ser.serialize_field("value", &self.value)?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for Label {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "key",
            "value",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            Key,
            Value,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "key" => Ok(GeneratedField::Key),
                            "value" => Ok(GeneratedField::Value),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = Label;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct plumb.v1.Label")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<Label, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut key__ = None;
                let mut value__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::Key => {
                            if key__.is_some() {
                                return Err(serde::de::Error::duplicate_field("key"));
                            }
                            key__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Value => {
                            if value__.is_some() {
                                return Err(serde::de::Error::duplicate_field("value"));
                            }
                            value__ = Some(map_.next_value()?);
                        }
                    }
                }
                Ok(Label {
                    key: key__.unwrap_or_default(),
                    value: value__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("plumb.v1.Label", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for ListAdvisoriesRequest {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let len = 0;
        let struct_ser = serializer.serialize_struct("plumb.v1.ListAdvisoriesRequest", len)?;
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for ListAdvisoriesRequest {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                            Err(serde::de::Error::unknown_field(value, FIELDS))
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = ListAdvisoriesRequest;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct plumb.v1.ListAdvisoriesRequest")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<ListAdvisoriesRequest, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                while map_.next_key::<GeneratedField>()?.is_some() {
                    let _ = map_.next_value::<serde::de::IgnoredAny>()?;
                }
                Ok(ListAdvisoriesRequest {
                })
            }
        }
        deserializer.deserialize_struct("plumb.v1.ListAdvisoriesRequest", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for ListAdvisoriesResponse {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if !self.advisories.is_empty() {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("plumb.v1.ListAdvisoriesResponse", len)?;
        if !self.advisories.is_empty() {
            struct_ser.serialize_field("advisories", &self.advisories)?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for ListAdvisoriesResponse {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "advisories",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            Advisories,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "advisories" => Ok(GeneratedField::Advisories),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = ListAdvisoriesResponse;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct plumb.v1.ListAdvisoriesResponse")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<ListAdvisoriesResponse, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut advisories__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::Advisories => {
                            if advisories__.is_some() {
                                return Err(serde::de::Error::duplicate_field("advisories"));
                            }
                            advisories__ = Some(map_.next_value()?);
                        }
                    }
                }
                Ok(ListAdvisoriesResponse {
                    advisories: advisories__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("plumb.v1.ListAdvisoriesResponse", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for ListAuditRequest {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if !self.node_id.is_empty() {
            len += 1;
        }
        if self.limit != 0 {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("plumb.v1.ListAuditRequest", len)?;
        if !self.node_id.is_empty() {
            struct_ser.serialize_field("nodeId", &self.node_id)?;
        }
        if self.limit != 0 {
            struct_ser.serialize_field("limit", &self.limit)?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for ListAuditRequest {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "node_id",
            "nodeId",
            "limit",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            NodeId,
            Limit,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "nodeId" | "node_id" => Ok(GeneratedField::NodeId),
                            "limit" => Ok(GeneratedField::Limit),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = ListAuditRequest;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct plumb.v1.ListAuditRequest")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<ListAuditRequest, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut node_id__ = None;
                let mut limit__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::NodeId => {
                            if node_id__.is_some() {
                                return Err(serde::de::Error::duplicate_field("nodeId"));
                            }
                            node_id__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Limit => {
                            if limit__.is_some() {
                                return Err(serde::de::Error::duplicate_field("limit"));
                            }
                            limit__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                    }
                }
                Ok(ListAuditRequest {
                    node_id: node_id__.unwrap_or_default(),
                    limit: limit__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("plumb.v1.ListAuditRequest", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for ListAuditResponse {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if !self.entries.is_empty() {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("plumb.v1.ListAuditResponse", len)?;
        if !self.entries.is_empty() {
            struct_ser.serialize_field("entries", &self.entries)?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for ListAuditResponse {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "entries",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            Entries,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "entries" => Ok(GeneratedField::Entries),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = ListAuditResponse;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct plumb.v1.ListAuditResponse")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<ListAuditResponse, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut entries__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::Entries => {
                            if entries__.is_some() {
                                return Err(serde::de::Error::duplicate_field("entries"));
                            }
                            entries__ = Some(map_.next_value()?);
                        }
                    }
                }
                Ok(ListAuditResponse {
                    entries: entries__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("plumb.v1.ListAuditResponse", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for ListContainersRequest {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if !self.node_id.is_empty() {
            len += 1;
        }
        if !self.image_id.is_empty() {
            len += 1;
        }
        if self.state != 0 {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("plumb.v1.ListContainersRequest", len)?;
        if !self.node_id.is_empty() {
            struct_ser.serialize_field("nodeId", &self.node_id)?;
        }
        if !self.image_id.is_empty() {
            struct_ser.serialize_field("imageId", &self.image_id)?;
        }
        if self.state != 0 {
            let v = ContainerState::try_from(self.state)
                .map_err(|_| serde::ser::Error::custom(format!("Invalid variant {}", self.state)))?;
            struct_ser.serialize_field("state", &v)?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for ListContainersRequest {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "node_id",
            "nodeId",
            "image_id",
            "imageId",
            "state",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            NodeId,
            ImageId,
            State,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "nodeId" | "node_id" => Ok(GeneratedField::NodeId),
                            "imageId" | "image_id" => Ok(GeneratedField::ImageId),
                            "state" => Ok(GeneratedField::State),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = ListContainersRequest;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct plumb.v1.ListContainersRequest")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<ListContainersRequest, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut node_id__ = None;
                let mut image_id__ = None;
                let mut state__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::NodeId => {
                            if node_id__.is_some() {
                                return Err(serde::de::Error::duplicate_field("nodeId"));
                            }
                            node_id__ = Some(map_.next_value()?);
                        }
                        GeneratedField::ImageId => {
                            if image_id__.is_some() {
                                return Err(serde::de::Error::duplicate_field("imageId"));
                            }
                            image_id__ = Some(map_.next_value()?);
                        }
                        GeneratedField::State => {
                            if state__.is_some() {
                                return Err(serde::de::Error::duplicate_field("state"));
                            }
                            state__ = Some(map_.next_value::<ContainerState>()? as i32);
                        }
                    }
                }
                Ok(ListContainersRequest {
                    node_id: node_id__.unwrap_or_default(),
                    image_id: image_id__.unwrap_or_default(),
                    state: state__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("plumb.v1.ListContainersRequest", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for ListContainersResponse {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if !self.containers.is_empty() {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("plumb.v1.ListContainersResponse", len)?;
        if !self.containers.is_empty() {
            struct_ser.serialize_field("containers", &self.containers)?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for ListContainersResponse {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "containers",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            Containers,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "containers" => Ok(GeneratedField::Containers),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = ListContainersResponse;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct plumb.v1.ListContainersResponse")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<ListContainersResponse, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut containers__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::Containers => {
                            if containers__.is_some() {
                                return Err(serde::de::Error::duplicate_field("containers"));
                            }
                            containers__ = Some(map_.next_value()?);
                        }
                    }
                }
                Ok(ListContainersResponse {
                    containers: containers__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("plumb.v1.ListContainersResponse", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for ListDueRequest {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let len = 0;
        let struct_ser = serializer.serialize_struct("plumb.v1.ListDueRequest", len)?;
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for ListDueRequest {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                            Err(serde::de::Error::unknown_field(value, FIELDS))
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = ListDueRequest;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct plumb.v1.ListDueRequest")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<ListDueRequest, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                while map_.next_key::<GeneratedField>()?.is_some() {
                    let _ = map_.next_value::<serde::de::IgnoredAny>()?;
                }
                Ok(ListDueRequest {
                })
            }
        }
        deserializer.deserialize_struct("plumb.v1.ListDueRequest", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for ListDueResponse {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if !self.images.is_empty() {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("plumb.v1.ListDueResponse", len)?;
        if !self.images.is_empty() {
            struct_ser.serialize_field("images", &self.images)?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for ListDueResponse {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "images",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            Images,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "images" => Ok(GeneratedField::Images),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = ListDueResponse;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct plumb.v1.ListDueResponse")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<ListDueResponse, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut images__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::Images => {
                            if images__.is_some() {
                                return Err(serde::de::Error::duplicate_field("images"));
                            }
                            images__ = Some(map_.next_value()?);
                        }
                    }
                }
                Ok(ListDueResponse {
                    images: images__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("plumb.v1.ListDueResponse", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for ListExposureRequest {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if !self.advisory.is_empty() {
            len += 1;
        }
        if !self.image_id.is_empty() {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("plumb.v1.ListExposureRequest", len)?;
        if !self.advisory.is_empty() {
            struct_ser.serialize_field("advisory", &self.advisory)?;
        }
        if !self.image_id.is_empty() {
            struct_ser.serialize_field("imageId", &self.image_id)?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for ListExposureRequest {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "advisory",
            "image_id",
            "imageId",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            Advisory,
            ImageId,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "advisory" => Ok(GeneratedField::Advisory),
                            "imageId" | "image_id" => Ok(GeneratedField::ImageId),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = ListExposureRequest;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct plumb.v1.ListExposureRequest")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<ListExposureRequest, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut advisory__ = None;
                let mut image_id__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::Advisory => {
                            if advisory__.is_some() {
                                return Err(serde::de::Error::duplicate_field("advisory"));
                            }
                            advisory__ = Some(map_.next_value()?);
                        }
                        GeneratedField::ImageId => {
                            if image_id__.is_some() {
                                return Err(serde::de::Error::duplicate_field("imageId"));
                            }
                            image_id__ = Some(map_.next_value()?);
                        }
                    }
                }
                Ok(ListExposureRequest {
                    advisory: advisory__.unwrap_or_default(),
                    image_id: image_id__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("plumb.v1.ListExposureRequest", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for ListExposureResponse {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if !self.exposure.is_empty() {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("plumb.v1.ListExposureResponse", len)?;
        if !self.exposure.is_empty() {
            struct_ser.serialize_field("exposure", &self.exposure)?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for ListExposureResponse {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "exposure",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            Exposure,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "exposure" => Ok(GeneratedField::Exposure),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = ListExposureResponse;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct plumb.v1.ListExposureResponse")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<ListExposureResponse, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut exposure__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::Exposure => {
                            if exposure__.is_some() {
                                return Err(serde::de::Error::duplicate_field("exposure"));
                            }
                            exposure__ = Some(map_.next_value()?);
                        }
                    }
                }
                Ok(ListExposureResponse {
                    exposure: exposure__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("plumb.v1.ListExposureResponse", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for ListFamiliesRequest {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let len = 0;
        let struct_ser = serializer.serialize_struct("plumb.v1.ListFamiliesRequest", len)?;
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for ListFamiliesRequest {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                            Err(serde::de::Error::unknown_field(value, FIELDS))
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = ListFamiliesRequest;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct plumb.v1.ListFamiliesRequest")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<ListFamiliesRequest, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                while map_.next_key::<GeneratedField>()?.is_some() {
                    let _ = map_.next_value::<serde::de::IgnoredAny>()?;
                }
                Ok(ListFamiliesRequest {
                })
            }
        }
        deserializer.deserialize_struct("plumb.v1.ListFamiliesRequest", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for ListFamiliesResponse {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if !self.families.is_empty() {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("plumb.v1.ListFamiliesResponse", len)?;
        if !self.families.is_empty() {
            struct_ser.serialize_field("families", &self.families)?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for ListFamiliesResponse {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "families",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            Families,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "families" => Ok(GeneratedField::Families),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = ListFamiliesResponse;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct plumb.v1.ListFamiliesResponse")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<ListFamiliesResponse, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut families__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::Families => {
                            if families__.is_some() {
                                return Err(serde::de::Error::duplicate_field("families"));
                            }
                            families__ = Some(map_.next_value()?);
                        }
                    }
                }
                Ok(ListFamiliesResponse {
                    families: families__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("plumb.v1.ListFamiliesResponse", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for ListFlagsRequest {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if self.limit != 0 {
            len += 1;
        }
        if !self.cursor.is_empty() {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("plumb.v1.ListFlagsRequest", len)?;
        if self.limit != 0 {
            struct_ser.serialize_field("limit", &self.limit)?;
        }
        if !self.cursor.is_empty() {
            struct_ser.serialize_field("cursor", &self.cursor)?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for ListFlagsRequest {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "limit",
            "cursor",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            Limit,
            Cursor,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "limit" => Ok(GeneratedField::Limit),
                            "cursor" => Ok(GeneratedField::Cursor),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = ListFlagsRequest;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct plumb.v1.ListFlagsRequest")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<ListFlagsRequest, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut limit__ = None;
                let mut cursor__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::Limit => {
                            if limit__.is_some() {
                                return Err(serde::de::Error::duplicate_field("limit"));
                            }
                            limit__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Cursor => {
                            if cursor__.is_some() {
                                return Err(serde::de::Error::duplicate_field("cursor"));
                            }
                            cursor__ = Some(map_.next_value()?);
                        }
                    }
                }
                Ok(ListFlagsRequest {
                    limit: limit__.unwrap_or_default(),
                    cursor: cursor__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("plumb.v1.ListFlagsRequest", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for ListImagesRequest {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let len = 0;
        let struct_ser = serializer.serialize_struct("plumb.v1.ListImagesRequest", len)?;
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for ListImagesRequest {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                            Err(serde::de::Error::unknown_field(value, FIELDS))
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = ListImagesRequest;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct plumb.v1.ListImagesRequest")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<ListImagesRequest, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                while map_.next_key::<GeneratedField>()?.is_some() {
                    let _ = map_.next_value::<serde::de::IgnoredAny>()?;
                }
                Ok(ListImagesRequest {
                })
            }
        }
        deserializer.deserialize_struct("plumb.v1.ListImagesRequest", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for ListImagesResponse {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if !self.images.is_empty() {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("plumb.v1.ListImagesResponse", len)?;
        if !self.images.is_empty() {
            struct_ser.serialize_field("images", &self.images)?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for ListImagesResponse {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "images",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            Images,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "images" => Ok(GeneratedField::Images),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = ListImagesResponse;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct plumb.v1.ListImagesResponse")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<ListImagesResponse, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut images__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::Images => {
                            if images__.is_some() {
                                return Err(serde::de::Error::duplicate_field("images"));
                            }
                            images__ = Some(map_.next_value()?);
                        }
                    }
                }
                Ok(ListImagesResponse {
                    images: images__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("plumb.v1.ListImagesResponse", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for ListNodesRequest {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if self.status != 0 {
            len += 1;
        }
        if !self.image_id.is_empty() {
            len += 1;
        }
        if self.limit != 0 {
            len += 1;
        }
        if self.offset != 0 {
            len += 1;
        }
        if !self.cursor.is_empty() {
            len += 1;
        }
        if !self.labels.is_empty() {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("plumb.v1.ListNodesRequest", len)?;
        if self.status != 0 {
            let v = NodeStatus::try_from(self.status)
                .map_err(|_| serde::ser::Error::custom(format!("Invalid variant {}", self.status)))?;
            struct_ser.serialize_field("status", &v)?;
        }
        if !self.image_id.is_empty() {
            struct_ser.serialize_field("imageId", &self.image_id)?;
        }
        if self.limit != 0 {
            struct_ser.serialize_field("limit", &self.limit)?;
        }
        if self.offset != 0 {
            struct_ser.serialize_field("offset", &self.offset)?;
        }
        if !self.cursor.is_empty() {
            struct_ser.serialize_field("cursor", &self.cursor)?;
        }
        if !self.labels.is_empty() {
            struct_ser.serialize_field("labels", &self.labels)?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for ListNodesRequest {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "status",
            "image_id",
            "imageId",
            "limit",
            "offset",
            "cursor",
            "labels",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            Status,
            ImageId,
            Limit,
            Offset,
            Cursor,
            Labels,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "status" => Ok(GeneratedField::Status),
                            "imageId" | "image_id" => Ok(GeneratedField::ImageId),
                            "limit" => Ok(GeneratedField::Limit),
                            "offset" => Ok(GeneratedField::Offset),
                            "cursor" => Ok(GeneratedField::Cursor),
                            "labels" => Ok(GeneratedField::Labels),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = ListNodesRequest;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct plumb.v1.ListNodesRequest")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<ListNodesRequest, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut status__ = None;
                let mut image_id__ = None;
                let mut limit__ = None;
                let mut offset__ = None;
                let mut cursor__ = None;
                let mut labels__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::Status => {
                            if status__.is_some() {
                                return Err(serde::de::Error::duplicate_field("status"));
                            }
                            status__ = Some(map_.next_value::<NodeStatus>()? as i32);
                        }
                        GeneratedField::ImageId => {
                            if image_id__.is_some() {
                                return Err(serde::de::Error::duplicate_field("imageId"));
                            }
                            image_id__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Limit => {
                            if limit__.is_some() {
                                return Err(serde::de::Error::duplicate_field("limit"));
                            }
                            limit__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Offset => {
                            if offset__.is_some() {
                                return Err(serde::de::Error::duplicate_field("offset"));
                            }
                            offset__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Cursor => {
                            if cursor__.is_some() {
                                return Err(serde::de::Error::duplicate_field("cursor"));
                            }
                            cursor__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Labels => {
                            if labels__.is_some() {
                                return Err(serde::de::Error::duplicate_field("labels"));
                            }
                            labels__ = Some(map_.next_value()?);
                        }
                    }
                }
                Ok(ListNodesRequest {
                    status: status__.unwrap_or_default(),
                    image_id: image_id__.unwrap_or_default(),
                    limit: limit__.unwrap_or_default(),
                    offset: offset__.unwrap_or_default(),
                    cursor: cursor__.unwrap_or_default(),
                    labels: labels__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("plumb.v1.ListNodesRequest", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for ListNodesResponse {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if !self.nodes.is_empty() {
            len += 1;
        }
        if self.total != 0 {
            len += 1;
        }
        if !self.next_cursor.is_empty() {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("plumb.v1.ListNodesResponse", len)?;
        if !self.nodes.is_empty() {
            struct_ser.serialize_field("nodes", &self.nodes)?;
        }
        if self.total != 0 {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("total", ToString::to_string(&self.total).as_str())?;
        }
        if !self.next_cursor.is_empty() {
            struct_ser.serialize_field("nextCursor", &self.next_cursor)?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for ListNodesResponse {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "nodes",
            "total",
            "next_cursor",
            "nextCursor",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            Nodes,
            Total,
            NextCursor,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "nodes" => Ok(GeneratedField::Nodes),
                            "total" => Ok(GeneratedField::Total),
                            "nextCursor" | "next_cursor" => Ok(GeneratedField::NextCursor),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = ListNodesResponse;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct plumb.v1.ListNodesResponse")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<ListNodesResponse, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut nodes__ = None;
                let mut total__ = None;
                let mut next_cursor__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::Nodes => {
                            if nodes__.is_some() {
                                return Err(serde::de::Error::duplicate_field("nodes"));
                            }
                            nodes__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Total => {
                            if total__.is_some() {
                                return Err(serde::de::Error::duplicate_field("total"));
                            }
                            total__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::NextCursor => {
                            if next_cursor__.is_some() {
                                return Err(serde::de::Error::duplicate_field("nextCursor"));
                            }
                            next_cursor__ = Some(map_.next_value()?);
                        }
                    }
                }
                Ok(ListNodesResponse {
                    nodes: nodes__.unwrap_or_default(),
                    total: total__.unwrap_or_default(),
                    next_cursor: next_cursor__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("plumb.v1.ListNodesResponse", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for ListPackagesRequest {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if !self.name.is_empty() {
            len += 1;
        }
        if !self.version.is_empty() {
            len += 1;
        }
        if !self.below.is_empty() {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("plumb.v1.ListPackagesRequest", len)?;
        if !self.name.is_empty() {
            struct_ser.serialize_field("name", &self.name)?;
        }
        if !self.version.is_empty() {
            struct_ser.serialize_field("version", &self.version)?;
        }
        if !self.below.is_empty() {
            struct_ser.serialize_field("below", &self.below)?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for ListPackagesRequest {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "name",
            "version",
            "below",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            Name,
            Version,
            Below,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "name" => Ok(GeneratedField::Name),
                            "version" => Ok(GeneratedField::Version),
                            "below" => Ok(GeneratedField::Below),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = ListPackagesRequest;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct plumb.v1.ListPackagesRequest")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<ListPackagesRequest, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut name__ = None;
                let mut version__ = None;
                let mut below__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::Name => {
                            if name__.is_some() {
                                return Err(serde::de::Error::duplicate_field("name"));
                            }
                            name__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Version => {
                            if version__.is_some() {
                                return Err(serde::de::Error::duplicate_field("version"));
                            }
                            version__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Below => {
                            if below__.is_some() {
                                return Err(serde::de::Error::duplicate_field("below"));
                            }
                            below__ = Some(map_.next_value()?);
                        }
                    }
                }
                Ok(ListPackagesRequest {
                    name: name__.unwrap_or_default(),
                    version: version__.unwrap_or_default(),
                    below: below__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("plumb.v1.ListPackagesRequest", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for ListPackagesResponse {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if !self.packages.is_empty() {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("plumb.v1.ListPackagesResponse", len)?;
        if !self.packages.is_empty() {
            struct_ser.serialize_field("packages", &self.packages)?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for ListPackagesResponse {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "packages",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            Packages,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "packages" => Ok(GeneratedField::Packages),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = ListPackagesResponse;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct plumb.v1.ListPackagesResponse")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<ListPackagesResponse, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut packages__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::Packages => {
                            if packages__.is_some() {
                                return Err(serde::de::Error::duplicate_field("packages"));
                            }
                            packages__ = Some(map_.next_value()?);
                        }
                    }
                }
                Ok(ListPackagesResponse {
                    packages: packages__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("plumb.v1.ListPackagesResponse", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for ListRolloutRequest {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if !self.family.is_empty() {
            len += 1;
        }
        if self.since_unix_ms != 0 {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("plumb.v1.ListRolloutRequest", len)?;
        if !self.family.is_empty() {
            struct_ser.serialize_field("family", &self.family)?;
        }
        if self.since_unix_ms != 0 {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("sinceUnixMs", ToString::to_string(&self.since_unix_ms).as_str())?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for ListRolloutRequest {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "family",
            "since_unix_ms",
            "sinceUnixMs",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            Family,
            SinceUnixMs,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "family" => Ok(GeneratedField::Family),
                            "sinceUnixMs" | "since_unix_ms" => Ok(GeneratedField::SinceUnixMs),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = ListRolloutRequest;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct plumb.v1.ListRolloutRequest")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<ListRolloutRequest, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut family__ = None;
                let mut since_unix_ms__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::Family => {
                            if family__.is_some() {
                                return Err(serde::de::Error::duplicate_field("family"));
                            }
                            family__ = Some(map_.next_value()?);
                        }
                        GeneratedField::SinceUnixMs => {
                            if since_unix_ms__.is_some() {
                                return Err(serde::de::Error::duplicate_field("sinceUnixMs"));
                            }
                            since_unix_ms__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                    }
                }
                Ok(ListRolloutRequest {
                    family: family__.unwrap_or_default(),
                    since_unix_ms: since_unix_ms__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("plumb.v1.ListRolloutRequest", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for ListRolloutResponse {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if !self.points.is_empty() {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("plumb.v1.ListRolloutResponse", len)?;
        if !self.points.is_empty() {
            struct_ser.serialize_field("points", &self.points)?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for ListRolloutResponse {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "points",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            Points,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "points" => Ok(GeneratedField::Points),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = ListRolloutResponse;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct plumb.v1.ListRolloutResponse")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<ListRolloutResponse, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut points__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::Points => {
                            if points__.is_some() {
                                return Err(serde::de::Error::duplicate_field("points"));
                            }
                            points__ = Some(map_.next_value()?);
                        }
                    }
                }
                Ok(ListRolloutResponse {
                    points: points__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("plumb.v1.ListRolloutResponse", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for ListTokensRequest {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let len = 0;
        let struct_ser = serializer.serialize_struct("plumb.v1.ListTokensRequest", len)?;
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for ListTokensRequest {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                            Err(serde::de::Error::unknown_field(value, FIELDS))
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = ListTokensRequest;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct plumb.v1.ListTokensRequest")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<ListTokensRequest, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                while map_.next_key::<GeneratedField>()?.is_some() {
                    let _ = map_.next_value::<serde::de::IgnoredAny>()?;
                }
                Ok(ListTokensRequest {
                })
            }
        }
        deserializer.deserialize_struct("plumb.v1.ListTokensRequest", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for ListTokensResponse {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if !self.tokens.is_empty() {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("plumb.v1.ListTokensResponse", len)?;
        if !self.tokens.is_empty() {
            struct_ser.serialize_field("tokens", &self.tokens)?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for ListTokensResponse {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "tokens",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            Tokens,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "tokens" => Ok(GeneratedField::Tokens),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = ListTokensResponse;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct plumb.v1.ListTokensResponse")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<ListTokensResponse, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut tokens__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::Tokens => {
                            if tokens__.is_some() {
                                return Err(serde::de::Error::duplicate_field("tokens"));
                            }
                            tokens__ = Some(map_.next_value()?);
                        }
                    }
                }
                Ok(ListTokensResponse {
                    tokens: tokens__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("plumb.v1.ListTokensResponse", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for Listener {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if self.protocol != 0 {
            len += 1;
        }
        if !self.address.is_empty() {
            len += 1;
        }
        if self.port != 0 {
            len += 1;
        }
        if !self.process.is_empty() {
            len += 1;
        }
        if self.ephemeral {
            len += 1;
        }
        if !self.executable.is_empty() {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("plumb.v1.Listener", len)?;
        if self.protocol != 0 {
            let v = Protocol::try_from(self.protocol)
                .map_err(|_| serde::ser::Error::custom(format!("Invalid variant {}", self.protocol)))?;
            struct_ser.serialize_field("protocol", &v)?;
        }
        if !self.address.is_empty() {
            struct_ser.serialize_field("address", &self.address)?;
        }
        if self.port != 0 {
            struct_ser.serialize_field("port", &self.port)?;
        }
        if !self.process.is_empty() {
            struct_ser.serialize_field("process", &self.process)?;
        }
        if self.ephemeral {
            struct_ser.serialize_field("ephemeral", &self.ephemeral)?;
        }
        if !self.executable.is_empty() {
            struct_ser.serialize_field("executable", &self.executable)?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for Listener {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "protocol",
            "address",
            "port",
            "process",
            "ephemeral",
            "executable",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            Protocol,
            Address,
            Port,
            Process,
            Ephemeral,
            Executable,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "protocol" => Ok(GeneratedField::Protocol),
                            "address" => Ok(GeneratedField::Address),
                            "port" => Ok(GeneratedField::Port),
                            "process" => Ok(GeneratedField::Process),
                            "ephemeral" => Ok(GeneratedField::Ephemeral),
                            "executable" => Ok(GeneratedField::Executable),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = Listener;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct plumb.v1.Listener")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<Listener, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut protocol__ = None;
                let mut address__ = None;
                let mut port__ = None;
                let mut process__ = None;
                let mut ephemeral__ = None;
                let mut executable__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::Protocol => {
                            if protocol__.is_some() {
                                return Err(serde::de::Error::duplicate_field("protocol"));
                            }
                            protocol__ = Some(map_.next_value::<Protocol>()? as i32);
                        }
                        GeneratedField::Address => {
                            if address__.is_some() {
                                return Err(serde::de::Error::duplicate_field("address"));
                            }
                            address__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Port => {
                            if port__.is_some() {
                                return Err(serde::de::Error::duplicate_field("port"));
                            }
                            port__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Process => {
                            if process__.is_some() {
                                return Err(serde::de::Error::duplicate_field("process"));
                            }
                            process__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Ephemeral => {
                            if ephemeral__.is_some() {
                                return Err(serde::de::Error::duplicate_field("ephemeral"));
                            }
                            ephemeral__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Executable => {
                            if executable__.is_some() {
                                return Err(serde::de::Error::duplicate_field("executable"));
                            }
                            executable__ = Some(map_.next_value()?);
                        }
                    }
                }
                Ok(Listener {
                    protocol: protocol__.unwrap_or_default(),
                    address: address__.unwrap_or_default(),
                    port: port__.unwrap_or_default(),
                    process: process__.unwrap_or_default(),
                    ephemeral: ephemeral__.unwrap_or_default(),
                    executable: executable__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("plumb.v1.Listener", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for ListenerRule {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if self.protocol != 0 {
            len += 1;
        }
        if self.port != 0 {
            len += 1;
        }
        if !self.process.is_empty() {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("plumb.v1.ListenerRule", len)?;
        if self.protocol != 0 {
            let v = Protocol::try_from(self.protocol)
                .map_err(|_| serde::ser::Error::custom(format!("Invalid variant {}", self.protocol)))?;
            struct_ser.serialize_field("protocol", &v)?;
        }
        if self.port != 0 {
            struct_ser.serialize_field("port", &self.port)?;
        }
        if !self.process.is_empty() {
            struct_ser.serialize_field("process", &self.process)?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for ListenerRule {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "protocol",
            "port",
            "process",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            Protocol,
            Port,
            Process,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "protocol" => Ok(GeneratedField::Protocol),
                            "port" => Ok(GeneratedField::Port),
                            "process" => Ok(GeneratedField::Process),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = ListenerRule;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct plumb.v1.ListenerRule")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<ListenerRule, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut protocol__ = None;
                let mut port__ = None;
                let mut process__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::Protocol => {
                            if protocol__.is_some() {
                                return Err(serde::de::Error::duplicate_field("protocol"));
                            }
                            protocol__ = Some(map_.next_value::<Protocol>()? as i32);
                        }
                        GeneratedField::Port => {
                            if port__.is_some() {
                                return Err(serde::de::Error::duplicate_field("port"));
                            }
                            port__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Process => {
                            if process__.is_some() {
                                return Err(serde::de::Error::duplicate_field("process"));
                            }
                            process__ = Some(map_.next_value()?);
                        }
                    }
                }
                Ok(ListenerRule {
                    protocol: protocol__.unwrap_or_default(),
                    port: port__.unwrap_or_default(),
                    process: process__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("plumb.v1.ListenerRule", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for ListenerSection {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if !self.listeners.is_empty() {
            len += 1;
        }
        if !self.allowed.is_empty() {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("plumb.v1.ListenerSection", len)?;
        if !self.listeners.is_empty() {
            struct_ser.serialize_field("listeners", &self.listeners)?;
        }
        if !self.allowed.is_empty() {
            struct_ser.serialize_field("allowed", &self.allowed)?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for ListenerSection {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "listeners",
            "allowed",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            Listeners,
            Allowed,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "listeners" => Ok(GeneratedField::Listeners),
                            "allowed" => Ok(GeneratedField::Allowed),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = ListenerSection;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct plumb.v1.ListenerSection")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<ListenerSection, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut listeners__ = None;
                let mut allowed__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::Listeners => {
                            if listeners__.is_some() {
                                return Err(serde::de::Error::duplicate_field("listeners"));
                            }
                            listeners__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Allowed => {
                            if allowed__.is_some() {
                                return Err(serde::de::Error::duplicate_field("allowed"));
                            }
                            allowed__ = Some(map_.next_value()?);
                        }
                    }
                }
                Ok(ListenerSection {
                    listeners: listeners__.unwrap_or_default(),
                    allowed: allowed__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("plumb.v1.ListenerSection", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for Manifest {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if self.format_version != 0 {
            len += 1;
        }
        if !self.image_id.is_empty() {
            len += 1;
        }
        if self.created_unix_ms != 0 {
            len += 1;
        }
        if self.builder.is_some() {
            len += 1;
        }
        if !self.digest.is_empty() {
            len += 1;
        }
        if !self.files.is_empty() {
            len += 1;
        }
        if !self.packages.is_empty() {
            len += 1;
        }
        if self.listeners.is_some() {
            len += 1;
        }
        if self.policy.is_some() {
            len += 1;
        }
        if !self.signatures.is_empty() {
            len += 1;
        }
        if !self.labels.is_empty() {
            len += 1;
        }
        if self.runtime.is_some() {
            len += 1;
        }
        if self.container.is_some() {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("plumb.v1.Manifest", len)?;
        if self.format_version != 0 {
            struct_ser.serialize_field("formatVersion", &self.format_version)?;
        }
        if !self.image_id.is_empty() {
            struct_ser.serialize_field("imageId", &self.image_id)?;
        }
        if self.created_unix_ms != 0 {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("createdUnixMs", ToString::to_string(&self.created_unix_ms).as_str())?;
        }
        if let Some(v) = self.builder.as_ref() {
            struct_ser.serialize_field("builder", v)?;
        }
        if !self.digest.is_empty() {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("digest", pbjson::private::base64::encode(&self.digest).as_str())?;
        }
        if !self.files.is_empty() {
            struct_ser.serialize_field("files", &self.files)?;
        }
        if !self.packages.is_empty() {
            struct_ser.serialize_field("packages", &self.packages)?;
        }
        if let Some(v) = self.listeners.as_ref() {
            struct_ser.serialize_field("listeners", v)?;
        }
        if let Some(v) = self.policy.as_ref() {
            struct_ser.serialize_field("policy", v)?;
        }
        if !self.signatures.is_empty() {
            struct_ser.serialize_field("signatures", &self.signatures)?;
        }
        if !self.labels.is_empty() {
            struct_ser.serialize_field("labels", &self.labels)?;
        }
        if let Some(v) = self.runtime.as_ref() {
            struct_ser.serialize_field("runtime", v)?;
        }
        if let Some(v) = self.container.as_ref() {
            struct_ser.serialize_field("container", v)?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for Manifest {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "format_version",
            "formatVersion",
            "image_id",
            "imageId",
            "created_unix_ms",
            "createdUnixMs",
            "builder",
            "digest",
            "files",
            "packages",
            "listeners",
            "policy",
            "signatures",
            "labels",
            "runtime",
            "container",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            FormatVersion,
            ImageId,
            CreatedUnixMs,
            Builder,
            Digest,
            Files,
            Packages,
            Listeners,
            Policy,
            Signatures,
            Labels,
            Runtime,
            Container,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "formatVersion" | "format_version" => Ok(GeneratedField::FormatVersion),
                            "imageId" | "image_id" => Ok(GeneratedField::ImageId),
                            "createdUnixMs" | "created_unix_ms" => Ok(GeneratedField::CreatedUnixMs),
                            "builder" => Ok(GeneratedField::Builder),
                            "digest" => Ok(GeneratedField::Digest),
                            "files" => Ok(GeneratedField::Files),
                            "packages" => Ok(GeneratedField::Packages),
                            "listeners" => Ok(GeneratedField::Listeners),
                            "policy" => Ok(GeneratedField::Policy),
                            "signatures" => Ok(GeneratedField::Signatures),
                            "labels" => Ok(GeneratedField::Labels),
                            "runtime" => Ok(GeneratedField::Runtime),
                            "container" => Ok(GeneratedField::Container),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = Manifest;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct plumb.v1.Manifest")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<Manifest, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut format_version__ = None;
                let mut image_id__ = None;
                let mut created_unix_ms__ = None;
                let mut builder__ = None;
                let mut digest__ = None;
                let mut files__ = None;
                let mut packages__ = None;
                let mut listeners__ = None;
                let mut policy__ = None;
                let mut signatures__ = None;
                let mut labels__ = None;
                let mut runtime__ = None;
                let mut container__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::FormatVersion => {
                            if format_version__.is_some() {
                                return Err(serde::de::Error::duplicate_field("formatVersion"));
                            }
                            format_version__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::ImageId => {
                            if image_id__.is_some() {
                                return Err(serde::de::Error::duplicate_field("imageId"));
                            }
                            image_id__ = Some(map_.next_value()?);
                        }
                        GeneratedField::CreatedUnixMs => {
                            if created_unix_ms__.is_some() {
                                return Err(serde::de::Error::duplicate_field("createdUnixMs"));
                            }
                            created_unix_ms__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Builder => {
                            if builder__.is_some() {
                                return Err(serde::de::Error::duplicate_field("builder"));
                            }
                            builder__ = map_.next_value()?;
                        }
                        GeneratedField::Digest => {
                            if digest__.is_some() {
                                return Err(serde::de::Error::duplicate_field("digest"));
                            }
                            digest__ = 
                                Some(map_.next_value::<::pbjson::private::BytesDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Files => {
                            if files__.is_some() {
                                return Err(serde::de::Error::duplicate_field("files"));
                            }
                            files__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Packages => {
                            if packages__.is_some() {
                                return Err(serde::de::Error::duplicate_field("packages"));
                            }
                            packages__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Listeners => {
                            if listeners__.is_some() {
                                return Err(serde::de::Error::duplicate_field("listeners"));
                            }
                            listeners__ = map_.next_value()?;
                        }
                        GeneratedField::Policy => {
                            if policy__.is_some() {
                                return Err(serde::de::Error::duplicate_field("policy"));
                            }
                            policy__ = map_.next_value()?;
                        }
                        GeneratedField::Signatures => {
                            if signatures__.is_some() {
                                return Err(serde::de::Error::duplicate_field("signatures"));
                            }
                            signatures__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Labels => {
                            if labels__.is_some() {
                                return Err(serde::de::Error::duplicate_field("labels"));
                            }
                            labels__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Runtime => {
                            if runtime__.is_some() {
                                return Err(serde::de::Error::duplicate_field("runtime"));
                            }
                            runtime__ = map_.next_value()?;
                        }
                        GeneratedField::Container => {
                            if container__.is_some() {
                                return Err(serde::de::Error::duplicate_field("container"));
                            }
                            container__ = map_.next_value()?;
                        }
                    }
                }
                Ok(Manifest {
                    format_version: format_version__.unwrap_or_default(),
                    image_id: image_id__.unwrap_or_default(),
                    created_unix_ms: created_unix_ms__.unwrap_or_default(),
                    builder: builder__,
                    digest: digest__.unwrap_or_default(),
                    files: files__.unwrap_or_default(),
                    packages: packages__.unwrap_or_default(),
                    listeners: listeners__,
                    policy: policy__,
                    signatures: signatures__.unwrap_or_default(),
                    labels: labels__.unwrap_or_default(),
                    runtime: runtime__,
                    container: container__,
                })
            }
        }
        deserializer.deserialize_struct("plumb.v1.Manifest", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for ManifestSignature {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if !self.key_id.is_empty() {
            len += 1;
        }
        if !self.signature.is_empty() {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("plumb.v1.ManifestSignature", len)?;
        if !self.key_id.is_empty() {
            struct_ser.serialize_field("keyId", &self.key_id)?;
        }
        if !self.signature.is_empty() {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("signature", pbjson::private::base64::encode(&self.signature).as_str())?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for ManifestSignature {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "key_id",
            "keyId",
            "signature",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            KeyId,
            Signature,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "keyId" | "key_id" => Ok(GeneratedField::KeyId),
                            "signature" => Ok(GeneratedField::Signature),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = ManifestSignature;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct plumb.v1.ManifestSignature")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<ManifestSignature, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut key_id__ = None;
                let mut signature__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::KeyId => {
                            if key_id__.is_some() {
                                return Err(serde::de::Error::duplicate_field("keyId"));
                            }
                            key_id__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Signature => {
                            if signature__.is_some() {
                                return Err(serde::de::Error::duplicate_field("signature"));
                            }
                            signature__ = 
                                Some(map_.next_value::<::pbjson::private::BytesDeserialize<_>>()?.0)
                            ;
                        }
                    }
                }
                Ok(ManifestSignature {
                    key_id: key_id__.unwrap_or_default(),
                    signature: signature__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("plumb.v1.ManifestSignature", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for NodeActionRequest {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if !self.node_id.is_empty() {
            len += 1;
        }
        if !self.cause.is_empty() {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("plumb.v1.NodeActionRequest", len)?;
        if !self.node_id.is_empty() {
            struct_ser.serialize_field("nodeId", &self.node_id)?;
        }
        if !self.cause.is_empty() {
            struct_ser.serialize_field("cause", &self.cause)?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for NodeActionRequest {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "node_id",
            "nodeId",
            "cause",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            NodeId,
            Cause,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "nodeId" | "node_id" => Ok(GeneratedField::NodeId),
                            "cause" => Ok(GeneratedField::Cause),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = NodeActionRequest;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct plumb.v1.NodeActionRequest")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<NodeActionRequest, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut node_id__ = None;
                let mut cause__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::NodeId => {
                            if node_id__.is_some() {
                                return Err(serde::de::Error::duplicate_field("nodeId"));
                            }
                            node_id__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Cause => {
                            if cause__.is_some() {
                                return Err(serde::de::Error::duplicate_field("cause"));
                            }
                            cause__ = Some(map_.next_value()?);
                        }
                    }
                }
                Ok(NodeActionRequest {
                    node_id: node_id__.unwrap_or_default(),
                    cause: cause__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("plumb.v1.NodeActionRequest", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for NodeDetail {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if self.node.is_some() {
            len += 1;
        }
        if !self.open.is_empty() {
            len += 1;
        }
        if !self.history.is_empty() {
            len += 1;
        }
        if !self.transitions.is_empty() {
            len += 1;
        }
        if !self.containers.is_empty() {
            len += 1;
        }
        if self.exec_monitor != 0 {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("plumb.v1.NodeDetail", len)?;
        if let Some(v) = self.node.as_ref() {
            struct_ser.serialize_field("node", v)?;
        }
        if !self.open.is_empty() {
            struct_ser.serialize_field("open", &self.open)?;
        }
        if !self.history.is_empty() {
            struct_ser.serialize_field("history", &self.history)?;
        }
        if !self.transitions.is_empty() {
            struct_ser.serialize_field("transitions", &self.transitions)?;
        }
        if !self.containers.is_empty() {
            struct_ser.serialize_field("containers", &self.containers)?;
        }
        if self.exec_monitor != 0 {
            let v = ExecMonitor::try_from(self.exec_monitor)
                .map_err(|_| serde::ser::Error::custom(format!("Invalid variant {}", self.exec_monitor)))?;
            struct_ser.serialize_field("execMonitor", &v)?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for NodeDetail {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "node",
            "open",
            "history",
            "transitions",
            "containers",
            "exec_monitor",
            "execMonitor",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            Node,
            Open,
            History,
            Transitions,
            Containers,
            ExecMonitor,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "node" => Ok(GeneratedField::Node),
                            "open" => Ok(GeneratedField::Open),
                            "history" => Ok(GeneratedField::History),
                            "transitions" => Ok(GeneratedField::Transitions),
                            "containers" => Ok(GeneratedField::Containers),
                            "execMonitor" | "exec_monitor" => Ok(GeneratedField::ExecMonitor),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = NodeDetail;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct plumb.v1.NodeDetail")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<NodeDetail, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut node__ = None;
                let mut open__ = None;
                let mut history__ = None;
                let mut transitions__ = None;
                let mut containers__ = None;
                let mut exec_monitor__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::Node => {
                            if node__.is_some() {
                                return Err(serde::de::Error::duplicate_field("node"));
                            }
                            node__ = map_.next_value()?;
                        }
                        GeneratedField::Open => {
                            if open__.is_some() {
                                return Err(serde::de::Error::duplicate_field("open"));
                            }
                            open__ = Some(map_.next_value()?);
                        }
                        GeneratedField::History => {
                            if history__.is_some() {
                                return Err(serde::de::Error::duplicate_field("history"));
                            }
                            history__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Transitions => {
                            if transitions__.is_some() {
                                return Err(serde::de::Error::duplicate_field("transitions"));
                            }
                            transitions__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Containers => {
                            if containers__.is_some() {
                                return Err(serde::de::Error::duplicate_field("containers"));
                            }
                            containers__ = Some(map_.next_value()?);
                        }
                        GeneratedField::ExecMonitor => {
                            if exec_monitor__.is_some() {
                                return Err(serde::de::Error::duplicate_field("execMonitor"));
                            }
                            exec_monitor__ = Some(map_.next_value::<ExecMonitor>()? as i32);
                        }
                    }
                }
                Ok(NodeDetail {
                    node: node__,
                    open: open__.unwrap_or_default(),
                    history: history__.unwrap_or_default(),
                    transitions: transitions__.unwrap_or_default(),
                    containers: containers__.unwrap_or_default(),
                    exec_monitor: exec_monitor__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("plumb.v1.NodeDetail", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for NodeStatus {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        let variant = match self {
            Self::Unspecified => "NODE_STATUS_UNSPECIFIED",
            Self::Clean => "NODE_STATUS_CLEAN",
            Self::Drifted => "NODE_STATUS_DRIFTED",
            Self::Flagged => "NODE_STATUS_FLAGGED",
            Self::Recycling => "NODE_STATUS_RECYCLING",
            Self::Silent => "NODE_STATUS_SILENT",
            Self::Retired => "NODE_STATUS_RETIRED",
        };
        serializer.serialize_str(variant)
    }
}
impl<'de> serde::Deserialize<'de> for NodeStatus {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "NODE_STATUS_UNSPECIFIED",
            "NODE_STATUS_CLEAN",
            "NODE_STATUS_DRIFTED",
            "NODE_STATUS_FLAGGED",
            "NODE_STATUS_RECYCLING",
            "NODE_STATUS_SILENT",
            "NODE_STATUS_RETIRED",
        ];

        struct GeneratedVisitor;

        impl serde::de::Visitor<'_> for GeneratedVisitor {
            type Value = NodeStatus;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(formatter, "expected one of: {:?}", &FIELDS)
            }

            fn visit_i64<E>(self, v: i64) -> std::result::Result<Self::Value, E>
            where
                E: serde::de::Error,
            {
                i32::try_from(v)
                    .ok()
                    .and_then(|x| x.try_into().ok())
                    .ok_or_else(|| {
                        serde::de::Error::invalid_value(serde::de::Unexpected::Signed(v), &self)
                    })
            }

            fn visit_u64<E>(self, v: u64) -> std::result::Result<Self::Value, E>
            where
                E: serde::de::Error,
            {
                i32::try_from(v)
                    .ok()
                    .and_then(|x| x.try_into().ok())
                    .ok_or_else(|| {
                        serde::de::Error::invalid_value(serde::de::Unexpected::Unsigned(v), &self)
                    })
            }

            fn visit_str<E>(self, value: &str) -> std::result::Result<Self::Value, E>
            where
                E: serde::de::Error,
            {
                match value {
                    "NODE_STATUS_UNSPECIFIED" => Ok(NodeStatus::Unspecified),
                    "NODE_STATUS_CLEAN" => Ok(NodeStatus::Clean),
                    "NODE_STATUS_DRIFTED" => Ok(NodeStatus::Drifted),
                    "NODE_STATUS_FLAGGED" => Ok(NodeStatus::Flagged),
                    "NODE_STATUS_RECYCLING" => Ok(NodeStatus::Recycling),
                    "NODE_STATUS_SILENT" => Ok(NodeStatus::Silent),
                    "NODE_STATUS_RETIRED" => Ok(NodeStatus::Retired),
                    _ => Err(serde::de::Error::unknown_variant(value, FIELDS)),
                }
            }
        }
        deserializer.deserialize_any(GeneratedVisitor)
    }
}
impl serde::Serialize for NodeSummary {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if !self.node_id.is_empty() {
            len += 1;
        }
        if !self.hostname.is_empty() {
            len += 1;
        }
        if !self.image_id.is_empty() {
            len += 1;
        }
        if self.status != 0 {
            len += 1;
        }
        if self.flagged {
            len += 1;
        }
        if self.deviation_count != 0 {
            len += 1;
        }
        if self.last_seen_unix_ms != 0 {
            len += 1;
        }
        if self.first_seen_unix_ms != 0 {
            len += 1;
        }
        if !self.agent_version.is_empty() {
            len += 1;
        }
        if !self.reasons.is_empty() {
            len += 1;
        }
        if self.max_severity != 0 {
            len += 1;
        }
        if self.status_since_unix_ms != 0 {
            len += 1;
        }
        if !self.manifest_digest.is_empty() {
            len += 1;
        }
        if self.heartbeat_secs != 0 {
            len += 1;
        }
        if self.held_since_unix_ms != 0 {
            len += 1;
        }
        if !self.held_reasons.is_empty() {
            len += 1;
        }
        if self.exec_monitor != 0 {
            len += 1;
        }
        if self.sees_containers {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("plumb.v1.NodeSummary", len)?;
        if !self.node_id.is_empty() {
            struct_ser.serialize_field("nodeId", &self.node_id)?;
        }
        if !self.hostname.is_empty() {
            struct_ser.serialize_field("hostname", &self.hostname)?;
        }
        if !self.image_id.is_empty() {
            struct_ser.serialize_field("imageId", &self.image_id)?;
        }
        if self.status != 0 {
            let v = NodeStatus::try_from(self.status)
                .map_err(|_| serde::ser::Error::custom(format!("Invalid variant {}", self.status)))?;
            struct_ser.serialize_field("status", &v)?;
        }
        if self.flagged {
            struct_ser.serialize_field("flagged", &self.flagged)?;
        }
        if self.deviation_count != 0 {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("deviationCount", ToString::to_string(&self.deviation_count).as_str())?;
        }
        if self.last_seen_unix_ms != 0 {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("lastSeenUnixMs", ToString::to_string(&self.last_seen_unix_ms).as_str())?;
        }
        if self.first_seen_unix_ms != 0 {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("firstSeenUnixMs", ToString::to_string(&self.first_seen_unix_ms).as_str())?;
        }
        if !self.agent_version.is_empty() {
            struct_ser.serialize_field("agentVersion", &self.agent_version)?;
        }
        if !self.reasons.is_empty() {
            struct_ser.serialize_field("reasons", &self.reasons)?;
        }
        if self.max_severity != 0 {
            let v = Severity::try_from(self.max_severity)
                .map_err(|_| serde::ser::Error::custom(format!("Invalid variant {}", self.max_severity)))?;
            struct_ser.serialize_field("maxSeverity", &v)?;
        }
        if self.status_since_unix_ms != 0 {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("statusSinceUnixMs", ToString::to_string(&self.status_since_unix_ms).as_str())?;
        }
        if !self.manifest_digest.is_empty() {
            struct_ser.serialize_field("manifestDigest", &self.manifest_digest)?;
        }
        if self.heartbeat_secs != 0 {
            struct_ser.serialize_field("heartbeatSecs", &self.heartbeat_secs)?;
        }
        if self.held_since_unix_ms != 0 {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("heldSinceUnixMs", ToString::to_string(&self.held_since_unix_ms).as_str())?;
        }
        if !self.held_reasons.is_empty() {
            struct_ser.serialize_field("heldReasons", &self.held_reasons)?;
        }
        if self.exec_monitor != 0 {
            let v = ExecMonitor::try_from(self.exec_monitor)
                .map_err(|_| serde::ser::Error::custom(format!("Invalid variant {}", self.exec_monitor)))?;
            struct_ser.serialize_field("execMonitor", &v)?;
        }
        if self.sees_containers {
            struct_ser.serialize_field("seesContainers", &self.sees_containers)?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for NodeSummary {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "node_id",
            "nodeId",
            "hostname",
            "image_id",
            "imageId",
            "status",
            "flagged",
            "deviation_count",
            "deviationCount",
            "last_seen_unix_ms",
            "lastSeenUnixMs",
            "first_seen_unix_ms",
            "firstSeenUnixMs",
            "agent_version",
            "agentVersion",
            "reasons",
            "max_severity",
            "maxSeverity",
            "status_since_unix_ms",
            "statusSinceUnixMs",
            "manifest_digest",
            "manifestDigest",
            "heartbeat_secs",
            "heartbeatSecs",
            "held_since_unix_ms",
            "heldSinceUnixMs",
            "held_reasons",
            "heldReasons",
            "exec_monitor",
            "execMonitor",
            "sees_containers",
            "seesContainers",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            NodeId,
            Hostname,
            ImageId,
            Status,
            Flagged,
            DeviationCount,
            LastSeenUnixMs,
            FirstSeenUnixMs,
            AgentVersion,
            Reasons,
            MaxSeverity,
            StatusSinceUnixMs,
            ManifestDigest,
            HeartbeatSecs,
            HeldSinceUnixMs,
            HeldReasons,
            ExecMonitor,
            SeesContainers,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "nodeId" | "node_id" => Ok(GeneratedField::NodeId),
                            "hostname" => Ok(GeneratedField::Hostname),
                            "imageId" | "image_id" => Ok(GeneratedField::ImageId),
                            "status" => Ok(GeneratedField::Status),
                            "flagged" => Ok(GeneratedField::Flagged),
                            "deviationCount" | "deviation_count" => Ok(GeneratedField::DeviationCount),
                            "lastSeenUnixMs" | "last_seen_unix_ms" => Ok(GeneratedField::LastSeenUnixMs),
                            "firstSeenUnixMs" | "first_seen_unix_ms" => Ok(GeneratedField::FirstSeenUnixMs),
                            "agentVersion" | "agent_version" => Ok(GeneratedField::AgentVersion),
                            "reasons" => Ok(GeneratedField::Reasons),
                            "maxSeverity" | "max_severity" => Ok(GeneratedField::MaxSeverity),
                            "statusSinceUnixMs" | "status_since_unix_ms" => Ok(GeneratedField::StatusSinceUnixMs),
                            "manifestDigest" | "manifest_digest" => Ok(GeneratedField::ManifestDigest),
                            "heartbeatSecs" | "heartbeat_secs" => Ok(GeneratedField::HeartbeatSecs),
                            "heldSinceUnixMs" | "held_since_unix_ms" => Ok(GeneratedField::HeldSinceUnixMs),
                            "heldReasons" | "held_reasons" => Ok(GeneratedField::HeldReasons),
                            "execMonitor" | "exec_monitor" => Ok(GeneratedField::ExecMonitor),
                            "seesContainers" | "sees_containers" => Ok(GeneratedField::SeesContainers),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = NodeSummary;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct plumb.v1.NodeSummary")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<NodeSummary, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut node_id__ = None;
                let mut hostname__ = None;
                let mut image_id__ = None;
                let mut status__ = None;
                let mut flagged__ = None;
                let mut deviation_count__ = None;
                let mut last_seen_unix_ms__ = None;
                let mut first_seen_unix_ms__ = None;
                let mut agent_version__ = None;
                let mut reasons__ = None;
                let mut max_severity__ = None;
                let mut status_since_unix_ms__ = None;
                let mut manifest_digest__ = None;
                let mut heartbeat_secs__ = None;
                let mut held_since_unix_ms__ = None;
                let mut held_reasons__ = None;
                let mut exec_monitor__ = None;
                let mut sees_containers__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::NodeId => {
                            if node_id__.is_some() {
                                return Err(serde::de::Error::duplicate_field("nodeId"));
                            }
                            node_id__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Hostname => {
                            if hostname__.is_some() {
                                return Err(serde::de::Error::duplicate_field("hostname"));
                            }
                            hostname__ = Some(map_.next_value()?);
                        }
                        GeneratedField::ImageId => {
                            if image_id__.is_some() {
                                return Err(serde::de::Error::duplicate_field("imageId"));
                            }
                            image_id__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Status => {
                            if status__.is_some() {
                                return Err(serde::de::Error::duplicate_field("status"));
                            }
                            status__ = Some(map_.next_value::<NodeStatus>()? as i32);
                        }
                        GeneratedField::Flagged => {
                            if flagged__.is_some() {
                                return Err(serde::de::Error::duplicate_field("flagged"));
                            }
                            flagged__ = Some(map_.next_value()?);
                        }
                        GeneratedField::DeviationCount => {
                            if deviation_count__.is_some() {
                                return Err(serde::de::Error::duplicate_field("deviationCount"));
                            }
                            deviation_count__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::LastSeenUnixMs => {
                            if last_seen_unix_ms__.is_some() {
                                return Err(serde::de::Error::duplicate_field("lastSeenUnixMs"));
                            }
                            last_seen_unix_ms__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::FirstSeenUnixMs => {
                            if first_seen_unix_ms__.is_some() {
                                return Err(serde::de::Error::duplicate_field("firstSeenUnixMs"));
                            }
                            first_seen_unix_ms__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::AgentVersion => {
                            if agent_version__.is_some() {
                                return Err(serde::de::Error::duplicate_field("agentVersion"));
                            }
                            agent_version__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Reasons => {
                            if reasons__.is_some() {
                                return Err(serde::de::Error::duplicate_field("reasons"));
                            }
                            reasons__ = Some(map_.next_value()?);
                        }
                        GeneratedField::MaxSeverity => {
                            if max_severity__.is_some() {
                                return Err(serde::de::Error::duplicate_field("maxSeverity"));
                            }
                            max_severity__ = Some(map_.next_value::<Severity>()? as i32);
                        }
                        GeneratedField::StatusSinceUnixMs => {
                            if status_since_unix_ms__.is_some() {
                                return Err(serde::de::Error::duplicate_field("statusSinceUnixMs"));
                            }
                            status_since_unix_ms__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::ManifestDigest => {
                            if manifest_digest__.is_some() {
                                return Err(serde::de::Error::duplicate_field("manifestDigest"));
                            }
                            manifest_digest__ = Some(map_.next_value()?);
                        }
                        GeneratedField::HeartbeatSecs => {
                            if heartbeat_secs__.is_some() {
                                return Err(serde::de::Error::duplicate_field("heartbeatSecs"));
                            }
                            heartbeat_secs__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::HeldSinceUnixMs => {
                            if held_since_unix_ms__.is_some() {
                                return Err(serde::de::Error::duplicate_field("heldSinceUnixMs"));
                            }
                            held_since_unix_ms__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::HeldReasons => {
                            if held_reasons__.is_some() {
                                return Err(serde::de::Error::duplicate_field("heldReasons"));
                            }
                            held_reasons__ = Some(map_.next_value()?);
                        }
                        GeneratedField::ExecMonitor => {
                            if exec_monitor__.is_some() {
                                return Err(serde::de::Error::duplicate_field("execMonitor"));
                            }
                            exec_monitor__ = Some(map_.next_value::<ExecMonitor>()? as i32);
                        }
                        GeneratedField::SeesContainers => {
                            if sees_containers__.is_some() {
                                return Err(serde::de::Error::duplicate_field("seesContainers"));
                            }
                            sees_containers__ = Some(map_.next_value()?);
                        }
                    }
                }
                Ok(NodeSummary {
                    node_id: node_id__.unwrap_or_default(),
                    hostname: hostname__.unwrap_or_default(),
                    image_id: image_id__.unwrap_or_default(),
                    status: status__.unwrap_or_default(),
                    flagged: flagged__.unwrap_or_default(),
                    deviation_count: deviation_count__.unwrap_or_default(),
                    last_seen_unix_ms: last_seen_unix_ms__.unwrap_or_default(),
                    first_seen_unix_ms: first_seen_unix_ms__.unwrap_or_default(),
                    agent_version: agent_version__.unwrap_or_default(),
                    reasons: reasons__.unwrap_or_default(),
                    max_severity: max_severity__.unwrap_or_default(),
                    status_since_unix_ms: status_since_unix_ms__.unwrap_or_default(),
                    manifest_digest: manifest_digest__.unwrap_or_default(),
                    heartbeat_secs: heartbeat_secs__.unwrap_or_default(),
                    held_since_unix_ms: held_since_unix_ms__.unwrap_or_default(),
                    held_reasons: held_reasons__.unwrap_or_default(),
                    exec_monitor: exec_monitor__.unwrap_or_default(),
                    sees_containers: sees_containers__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("plumb.v1.NodeSummary", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for Package {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if self.manager != 0 {
            len += 1;
        }
        if !self.name.is_empty() {
            len += 1;
        }
        if !self.version.is_empty() {
            len += 1;
        }
        if !self.arch.is_empty() {
            len += 1;
        }
        if !self.source.is_empty() {
            len += 1;
        }
        if !self.source_version.is_empty() {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("plumb.v1.Package", len)?;
        if self.manager != 0 {
            let v = PackageManager::try_from(self.manager)
                .map_err(|_| serde::ser::Error::custom(format!("Invalid variant {}", self.manager)))?;
            struct_ser.serialize_field("manager", &v)?;
        }
        if !self.name.is_empty() {
            struct_ser.serialize_field("name", &self.name)?;
        }
        if !self.version.is_empty() {
            struct_ser.serialize_field("version", &self.version)?;
        }
        if !self.arch.is_empty() {
            struct_ser.serialize_field("arch", &self.arch)?;
        }
        if !self.source.is_empty() {
            struct_ser.serialize_field("source", &self.source)?;
        }
        if !self.source_version.is_empty() {
            struct_ser.serialize_field("sourceVersion", &self.source_version)?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for Package {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "manager",
            "name",
            "version",
            "arch",
            "source",
            "source_version",
            "sourceVersion",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            Manager,
            Name,
            Version,
            Arch,
            Source,
            SourceVersion,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "manager" => Ok(GeneratedField::Manager),
                            "name" => Ok(GeneratedField::Name),
                            "version" => Ok(GeneratedField::Version),
                            "arch" => Ok(GeneratedField::Arch),
                            "source" => Ok(GeneratedField::Source),
                            "sourceVersion" | "source_version" => Ok(GeneratedField::SourceVersion),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = Package;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct plumb.v1.Package")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<Package, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut manager__ = None;
                let mut name__ = None;
                let mut version__ = None;
                let mut arch__ = None;
                let mut source__ = None;
                let mut source_version__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::Manager => {
                            if manager__.is_some() {
                                return Err(serde::de::Error::duplicate_field("manager"));
                            }
                            manager__ = Some(map_.next_value::<PackageManager>()? as i32);
                        }
                        GeneratedField::Name => {
                            if name__.is_some() {
                                return Err(serde::de::Error::duplicate_field("name"));
                            }
                            name__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Version => {
                            if version__.is_some() {
                                return Err(serde::de::Error::duplicate_field("version"));
                            }
                            version__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Arch => {
                            if arch__.is_some() {
                                return Err(serde::de::Error::duplicate_field("arch"));
                            }
                            arch__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Source => {
                            if source__.is_some() {
                                return Err(serde::de::Error::duplicate_field("source"));
                            }
                            source__ = Some(map_.next_value()?);
                        }
                        GeneratedField::SourceVersion => {
                            if source_version__.is_some() {
                                return Err(serde::de::Error::duplicate_field("sourceVersion"));
                            }
                            source_version__ = Some(map_.next_value()?);
                        }
                    }
                }
                Ok(Package {
                    manager: manager__.unwrap_or_default(),
                    name: name__.unwrap_or_default(),
                    version: version__.unwrap_or_default(),
                    arch: arch__.unwrap_or_default(),
                    source: source__.unwrap_or_default(),
                    source_version: source_version__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("plumb.v1.Package", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for PackageManager {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        let variant = match self {
            Self::Unspecified => "PACKAGE_MANAGER_UNSPECIFIED",
            Self::Dpkg => "PACKAGE_MANAGER_DPKG",
            Self::Rpm => "PACKAGE_MANAGER_RPM",
            Self::Apk => "PACKAGE_MANAGER_APK",
        };
        serializer.serialize_str(variant)
    }
}
impl<'de> serde::Deserialize<'de> for PackageManager {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "PACKAGE_MANAGER_UNSPECIFIED",
            "PACKAGE_MANAGER_DPKG",
            "PACKAGE_MANAGER_RPM",
            "PACKAGE_MANAGER_APK",
        ];

        struct GeneratedVisitor;

        impl serde::de::Visitor<'_> for GeneratedVisitor {
            type Value = PackageManager;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(formatter, "expected one of: {:?}", &FIELDS)
            }

            fn visit_i64<E>(self, v: i64) -> std::result::Result<Self::Value, E>
            where
                E: serde::de::Error,
            {
                i32::try_from(v)
                    .ok()
                    .and_then(|x| x.try_into().ok())
                    .ok_or_else(|| {
                        serde::de::Error::invalid_value(serde::de::Unexpected::Signed(v), &self)
                    })
            }

            fn visit_u64<E>(self, v: u64) -> std::result::Result<Self::Value, E>
            where
                E: serde::de::Error,
            {
                i32::try_from(v)
                    .ok()
                    .and_then(|x| x.try_into().ok())
                    .ok_or_else(|| {
                        serde::de::Error::invalid_value(serde::de::Unexpected::Unsigned(v), &self)
                    })
            }

            fn visit_str<E>(self, value: &str) -> std::result::Result<Self::Value, E>
            where
                E: serde::de::Error,
            {
                match value {
                    "PACKAGE_MANAGER_UNSPECIFIED" => Ok(PackageManager::Unspecified),
                    "PACKAGE_MANAGER_DPKG" => Ok(PackageManager::Dpkg),
                    "PACKAGE_MANAGER_RPM" => Ok(PackageManager::Rpm),
                    "PACKAGE_MANAGER_APK" => Ok(PackageManager::Apk),
                    _ => Err(serde::de::Error::unknown_variant(value, FIELDS)),
                }
            }
        }
        deserializer.deserialize_any(GeneratedVisitor)
    }
}
impl serde::Serialize for PolicyDefaults {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if !self.ignore.is_empty() {
            len += 1;
        }
        if !self.severity.is_empty() {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("plumb.v1.PolicyDefaults", len)?;
        if !self.ignore.is_empty() {
            struct_ser.serialize_field("ignore", &self.ignore)?;
        }
        if !self.severity.is_empty() {
            struct_ser.serialize_field("severity", &self.severity)?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for PolicyDefaults {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "ignore",
            "severity",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            Ignore,
            Severity,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "ignore" => Ok(GeneratedField::Ignore),
                            "severity" => Ok(GeneratedField::Severity),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = PolicyDefaults;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct plumb.v1.PolicyDefaults")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<PolicyDefaults, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut ignore__ = None;
                let mut severity__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::Ignore => {
                            if ignore__.is_some() {
                                return Err(serde::de::Error::duplicate_field("ignore"));
                            }
                            ignore__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Severity => {
                            if severity__.is_some() {
                                return Err(serde::de::Error::duplicate_field("severity"));
                            }
                            severity__ = Some(map_.next_value()?);
                        }
                    }
                }
                Ok(PolicyDefaults {
                    ignore: ignore__.unwrap_or_default(),
                    severity: severity__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("plumb.v1.PolicyDefaults", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for Protocol {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        let variant = match self {
            Self::Unspecified => "PROTOCOL_UNSPECIFIED",
            Self::Tcp => "PROTOCOL_TCP",
            Self::Udp => "PROTOCOL_UDP",
        };
        serializer.serialize_str(variant)
    }
}
impl<'de> serde::Deserialize<'de> for Protocol {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "PROTOCOL_UNSPECIFIED",
            "PROTOCOL_TCP",
            "PROTOCOL_UDP",
        ];

        struct GeneratedVisitor;

        impl serde::de::Visitor<'_> for GeneratedVisitor {
            type Value = Protocol;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(formatter, "expected one of: {:?}", &FIELDS)
            }

            fn visit_i64<E>(self, v: i64) -> std::result::Result<Self::Value, E>
            where
                E: serde::de::Error,
            {
                i32::try_from(v)
                    .ok()
                    .and_then(|x| x.try_into().ok())
                    .ok_or_else(|| {
                        serde::de::Error::invalid_value(serde::de::Unexpected::Signed(v), &self)
                    })
            }

            fn visit_u64<E>(self, v: u64) -> std::result::Result<Self::Value, E>
            where
                E: serde::de::Error,
            {
                i32::try_from(v)
                    .ok()
                    .and_then(|x| x.try_into().ok())
                    .ok_or_else(|| {
                        serde::de::Error::invalid_value(serde::de::Unexpected::Unsigned(v), &self)
                    })
            }

            fn visit_str<E>(self, value: &str) -> std::result::Result<Self::Value, E>
            where
                E: serde::de::Error,
            {
                match value {
                    "PROTOCOL_UNSPECIFIED" => Ok(Protocol::Unspecified),
                    "PROTOCOL_TCP" => Ok(Protocol::Tcp),
                    "PROTOCOL_UDP" => Ok(Protocol::Udp),
                    _ => Err(serde::de::Error::unknown_variant(value, FIELDS)),
                }
            }
        }
        deserializer.deserialize_any(GeneratedVisitor)
    }
}
impl serde::Serialize for PushManifestRequest {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if !self.manifest.is_empty() {
            len += 1;
        }
        if self.replace {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("plumb.v1.PushManifestRequest", len)?;
        if !self.manifest.is_empty() {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("manifest", pbjson::private::base64::encode(&self.manifest).as_str())?;
        }
        if self.replace {
            struct_ser.serialize_field("replace", &self.replace)?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for PushManifestRequest {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "manifest",
            "replace",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            Manifest,
            Replace,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "manifest" => Ok(GeneratedField::Manifest),
                            "replace" => Ok(GeneratedField::Replace),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = PushManifestRequest;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct plumb.v1.PushManifestRequest")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<PushManifestRequest, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut manifest__ = None;
                let mut replace__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::Manifest => {
                            if manifest__.is_some() {
                                return Err(serde::de::Error::duplicate_field("manifest"));
                            }
                            manifest__ = 
                                Some(map_.next_value::<::pbjson::private::BytesDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Replace => {
                            if replace__.is_some() {
                                return Err(serde::de::Error::duplicate_field("replace"));
                            }
                            replace__ = Some(map_.next_value()?);
                        }
                    }
                }
                Ok(PushManifestRequest {
                    manifest: manifest__.unwrap_or_default(),
                    replace: replace__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("plumb.v1.PushManifestRequest", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for PushManifestResponse {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if !self.image_id.is_empty() {
            len += 1;
        }
        if !self.digest.is_empty() {
            len += 1;
        }
        if self.replaced {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("plumb.v1.PushManifestResponse", len)?;
        if !self.image_id.is_empty() {
            struct_ser.serialize_field("imageId", &self.image_id)?;
        }
        if !self.digest.is_empty() {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("digest", pbjson::private::base64::encode(&self.digest).as_str())?;
        }
        if self.replaced {
            struct_ser.serialize_field("replaced", &self.replaced)?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for PushManifestResponse {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "image_id",
            "imageId",
            "digest",
            "replaced",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            ImageId,
            Digest,
            Replaced,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "imageId" | "image_id" => Ok(GeneratedField::ImageId),
                            "digest" => Ok(GeneratedField::Digest),
                            "replaced" => Ok(GeneratedField::Replaced),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = PushManifestResponse;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct plumb.v1.PushManifestResponse")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<PushManifestResponse, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut image_id__ = None;
                let mut digest__ = None;
                let mut replaced__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::ImageId => {
                            if image_id__.is_some() {
                                return Err(serde::de::Error::duplicate_field("imageId"));
                            }
                            image_id__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Digest => {
                            if digest__.is_some() {
                                return Err(serde::de::Error::duplicate_field("digest"));
                            }
                            digest__ = 
                                Some(map_.next_value::<::pbjson::private::BytesDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Replaced => {
                            if replaced__.is_some() {
                                return Err(serde::de::Error::duplicate_field("replaced"));
                            }
                            replaced__ = Some(map_.next_value()?);
                        }
                    }
                }
                Ok(PushManifestResponse {
                    image_id: image_id__.unwrap_or_default(),
                    digest: digest__.unwrap_or_default(),
                    replaced: replaced__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("plumb.v1.PushManifestResponse", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for RevokeNodeResponse {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if !self.node_id.is_empty() {
            len += 1;
        }
        if self.certificates_revoked != 0 {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("plumb.v1.RevokeNodeResponse", len)?;
        if !self.node_id.is_empty() {
            struct_ser.serialize_field("nodeId", &self.node_id)?;
        }
        if self.certificates_revoked != 0 {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("certificatesRevoked", ToString::to_string(&self.certificates_revoked).as_str())?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for RevokeNodeResponse {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "node_id",
            "nodeId",
            "certificates_revoked",
            "certificatesRevoked",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            NodeId,
            CertificatesRevoked,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "nodeId" | "node_id" => Ok(GeneratedField::NodeId),
                            "certificatesRevoked" | "certificates_revoked" => Ok(GeneratedField::CertificatesRevoked),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = RevokeNodeResponse;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct plumb.v1.RevokeNodeResponse")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<RevokeNodeResponse, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut node_id__ = None;
                let mut certificates_revoked__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::NodeId => {
                            if node_id__.is_some() {
                                return Err(serde::de::Error::duplicate_field("nodeId"));
                            }
                            node_id__ = Some(map_.next_value()?);
                        }
                        GeneratedField::CertificatesRevoked => {
                            if certificates_revoked__.is_some() {
                                return Err(serde::de::Error::duplicate_field("certificatesRevoked"));
                            }
                            certificates_revoked__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                    }
                }
                Ok(RevokeNodeResponse {
                    node_id: node_id__.unwrap_or_default(),
                    certificates_revoked: certificates_revoked__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("plumb.v1.RevokeNodeResponse", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for RevokeTokenRequest {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if !self.id.is_empty() {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("plumb.v1.RevokeTokenRequest", len)?;
        if !self.id.is_empty() {
            struct_ser.serialize_field("id", &self.id)?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for RevokeTokenRequest {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "id",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            Id,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "id" => Ok(GeneratedField::Id),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = RevokeTokenRequest;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct plumb.v1.RevokeTokenRequest")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<RevokeTokenRequest, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut id__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::Id => {
                            if id__.is_some() {
                                return Err(serde::de::Error::duplicate_field("id"));
                            }
                            id__ = Some(map_.next_value()?);
                        }
                    }
                }
                Ok(RevokeTokenRequest {
                    id: id__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("plumb.v1.RevokeTokenRequest", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for RevokeTokenResponse {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if !self.id.is_empty() {
            len += 1;
        }
        if self.revoked {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("plumb.v1.RevokeTokenResponse", len)?;
        if !self.id.is_empty() {
            struct_ser.serialize_field("id", &self.id)?;
        }
        if self.revoked {
            struct_ser.serialize_field("revoked", &self.revoked)?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for RevokeTokenResponse {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "id",
            "revoked",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            Id,
            Revoked,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "id" => Ok(GeneratedField::Id),
                            "revoked" => Ok(GeneratedField::Revoked),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = RevokeTokenResponse;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct plumb.v1.RevokeTokenResponse")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<RevokeTokenResponse, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut id__ = None;
                let mut revoked__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::Id => {
                            if id__.is_some() {
                                return Err(serde::de::Error::duplicate_field("id"));
                            }
                            id__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Revoked => {
                            if revoked__.is_some() {
                                return Err(serde::de::Error::duplicate_field("revoked"));
                            }
                            revoked__ = Some(map_.next_value()?);
                        }
                    }
                }
                Ok(RevokeTokenResponse {
                    id: id__.unwrap_or_default(),
                    revoked: revoked__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("plumb.v1.RevokeTokenResponse", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for Role {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        let variant = match self {
            Self::Unspecified => "ROLE_UNSPECIFIED",
            Self::Read => "ROLE_READ",
            Self::Operator => "ROLE_OPERATOR",
            Self::Admin => "ROLE_ADMIN",
        };
        serializer.serialize_str(variant)
    }
}
impl<'de> serde::Deserialize<'de> for Role {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "ROLE_UNSPECIFIED",
            "ROLE_READ",
            "ROLE_OPERATOR",
            "ROLE_ADMIN",
        ];

        struct GeneratedVisitor;

        impl serde::de::Visitor<'_> for GeneratedVisitor {
            type Value = Role;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(formatter, "expected one of: {:?}", &FIELDS)
            }

            fn visit_i64<E>(self, v: i64) -> std::result::Result<Self::Value, E>
            where
                E: serde::de::Error,
            {
                i32::try_from(v)
                    .ok()
                    .and_then(|x| x.try_into().ok())
                    .ok_or_else(|| {
                        serde::de::Error::invalid_value(serde::de::Unexpected::Signed(v), &self)
                    })
            }

            fn visit_u64<E>(self, v: u64) -> std::result::Result<Self::Value, E>
            where
                E: serde::de::Error,
            {
                i32::try_from(v)
                    .ok()
                    .and_then(|x| x.try_into().ok())
                    .ok_or_else(|| {
                        serde::de::Error::invalid_value(serde::de::Unexpected::Unsigned(v), &self)
                    })
            }

            fn visit_str<E>(self, value: &str) -> std::result::Result<Self::Value, E>
            where
                E: serde::de::Error,
            {
                match value {
                    "ROLE_UNSPECIFIED" => Ok(Role::Unspecified),
                    "ROLE_READ" => Ok(Role::Read),
                    "ROLE_OPERATOR" => Ok(Role::Operator),
                    "ROLE_ADMIN" => Ok(Role::Admin),
                    _ => Err(serde::de::Error::unknown_variant(value, FIELDS)),
                }
            }
        }
        deserializer.deserialize_any(GeneratedVisitor)
    }
}
impl serde::Serialize for RolloutPoint {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if self.at_unix_ms != 0 {
            len += 1;
        }
        if !self.newest.is_empty() {
            len += 1;
        }
        if self.newest_share != 0. {
            len += 1;
        }
        if self.units != 0 {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("plumb.v1.RolloutPoint", len)?;
        if self.at_unix_ms != 0 {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("atUnixMs", ToString::to_string(&self.at_unix_ms).as_str())?;
        }
        if !self.newest.is_empty() {
            struct_ser.serialize_field("newest", &self.newest)?;
        }
        if self.newest_share != 0. {
            struct_ser.serialize_field("newestShare", &self.newest_share)?;
        }
        if self.units != 0 {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("units", ToString::to_string(&self.units).as_str())?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for RolloutPoint {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "at_unix_ms",
            "atUnixMs",
            "newest",
            "newest_share",
            "newestShare",
            "units",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            AtUnixMs,
            Newest,
            NewestShare,
            Units,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "atUnixMs" | "at_unix_ms" => Ok(GeneratedField::AtUnixMs),
                            "newest" => Ok(GeneratedField::Newest),
                            "newestShare" | "newest_share" => Ok(GeneratedField::NewestShare),
                            "units" => Ok(GeneratedField::Units),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = RolloutPoint;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct plumb.v1.RolloutPoint")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<RolloutPoint, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut at_unix_ms__ = None;
                let mut newest__ = None;
                let mut newest_share__ = None;
                let mut units__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::AtUnixMs => {
                            if at_unix_ms__.is_some() {
                                return Err(serde::de::Error::duplicate_field("atUnixMs"));
                            }
                            at_unix_ms__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Newest => {
                            if newest__.is_some() {
                                return Err(serde::de::Error::duplicate_field("newest"));
                            }
                            newest__ = Some(map_.next_value()?);
                        }
                        GeneratedField::NewestShare => {
                            if newest_share__.is_some() {
                                return Err(serde::de::Error::duplicate_field("newestShare"));
                            }
                            newest_share__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Units => {
                            if units__.is_some() {
                                return Err(serde::de::Error::duplicate_field("units"));
                            }
                            units__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                    }
                }
                Ok(RolloutPoint {
                    at_unix_ms: at_unix_ms__.unwrap_or_default(),
                    newest: newest__.unwrap_or_default(),
                    newest_share: newest_share__.unwrap_or_default(),
                    units: units__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("plumb.v1.RolloutPoint", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for RuntimeSection {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if self.processes {
            len += 1;
        }
        if self.modules {
            len += 1;
        }
        if self.sessions {
            len += 1;
        }
        if !self.interpreters.is_empty() {
            len += 1;
        }
        if !self.login_records.is_empty() {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("plumb.v1.RuntimeSection", len)?;
        if self.processes {
            struct_ser.serialize_field("processes", &self.processes)?;
        }
        if self.modules {
            struct_ser.serialize_field("modules", &self.modules)?;
        }
        if self.sessions {
            struct_ser.serialize_field("sessions", &self.sessions)?;
        }
        if !self.interpreters.is_empty() {
            struct_ser.serialize_field("interpreters", &self.interpreters)?;
        }
        if !self.login_records.is_empty() {
            struct_ser.serialize_field("loginRecords", &self.login_records)?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for RuntimeSection {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "processes",
            "modules",
            "sessions",
            "interpreters",
            "login_records",
            "loginRecords",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            Processes,
            Modules,
            Sessions,
            Interpreters,
            LoginRecords,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "processes" => Ok(GeneratedField::Processes),
                            "modules" => Ok(GeneratedField::Modules),
                            "sessions" => Ok(GeneratedField::Sessions),
                            "interpreters" => Ok(GeneratedField::Interpreters),
                            "loginRecords" | "login_records" => Ok(GeneratedField::LoginRecords),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = RuntimeSection;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct plumb.v1.RuntimeSection")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<RuntimeSection, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut processes__ = None;
                let mut modules__ = None;
                let mut sessions__ = None;
                let mut interpreters__ = None;
                let mut login_records__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::Processes => {
                            if processes__.is_some() {
                                return Err(serde::de::Error::duplicate_field("processes"));
                            }
                            processes__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Modules => {
                            if modules__.is_some() {
                                return Err(serde::de::Error::duplicate_field("modules"));
                            }
                            modules__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Sessions => {
                            if sessions__.is_some() {
                                return Err(serde::de::Error::duplicate_field("sessions"));
                            }
                            sessions__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Interpreters => {
                            if interpreters__.is_some() {
                                return Err(serde::de::Error::duplicate_field("interpreters"));
                            }
                            interpreters__ = Some(map_.next_value()?);
                        }
                        GeneratedField::LoginRecords => {
                            if login_records__.is_some() {
                                return Err(serde::de::Error::duplicate_field("loginRecords"));
                            }
                            login_records__ = Some(map_.next_value()?);
                        }
                    }
                }
                Ok(RuntimeSection {
                    processes: processes__.unwrap_or_default(),
                    modules: modules__.unwrap_or_default(),
                    sessions: sessions__.unwrap_or_default(),
                    interpreters: interpreters__.unwrap_or_default(),
                    login_records: login_records__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("plumb.v1.RuntimeSection", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for ScanSummary {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if !self.scan.is_empty() {
            len += 1;
        }
        if self.files != 0 {
            len += 1;
        }
        if self.hashed != 0 {
            len += 1;
        }
        if self.duration_ms != 0 {
            len += 1;
        }
        if self.open_deviations != 0 {
            len += 1;
        }
        if self.errors != 0 {
            len += 1;
        }
        if self.events_lost {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("plumb.v1.ScanSummary", len)?;
        if !self.scan.is_empty() {
            struct_ser.serialize_field("scan", &self.scan)?;
        }
        if self.files != 0 {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("files", ToString::to_string(&self.files).as_str())?;
        }
        if self.hashed != 0 {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("hashed", ToString::to_string(&self.hashed).as_str())?;
        }
        if self.duration_ms != 0 {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("durationMs", ToString::to_string(&self.duration_ms).as_str())?;
        }
        if self.open_deviations != 0 {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("openDeviations", ToString::to_string(&self.open_deviations).as_str())?;
        }
        if self.errors != 0 {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("errors", ToString::to_string(&self.errors).as_str())?;
        }
        if self.events_lost {
            struct_ser.serialize_field("eventsLost", &self.events_lost)?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for ScanSummary {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "scan",
            "files",
            "hashed",
            "duration_ms",
            "durationMs",
            "open_deviations",
            "openDeviations",
            "errors",
            "events_lost",
            "eventsLost",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            Scan,
            Files,
            Hashed,
            DurationMs,
            OpenDeviations,
            Errors,
            EventsLost,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "scan" => Ok(GeneratedField::Scan),
                            "files" => Ok(GeneratedField::Files),
                            "hashed" => Ok(GeneratedField::Hashed),
                            "durationMs" | "duration_ms" => Ok(GeneratedField::DurationMs),
                            "openDeviations" | "open_deviations" => Ok(GeneratedField::OpenDeviations),
                            "errors" => Ok(GeneratedField::Errors),
                            "eventsLost" | "events_lost" => Ok(GeneratedField::EventsLost),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = ScanSummary;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct plumb.v1.ScanSummary")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<ScanSummary, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut scan__ = None;
                let mut files__ = None;
                let mut hashed__ = None;
                let mut duration_ms__ = None;
                let mut open_deviations__ = None;
                let mut errors__ = None;
                let mut events_lost__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::Scan => {
                            if scan__.is_some() {
                                return Err(serde::de::Error::duplicate_field("scan"));
                            }
                            scan__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Files => {
                            if files__.is_some() {
                                return Err(serde::de::Error::duplicate_field("files"));
                            }
                            files__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Hashed => {
                            if hashed__.is_some() {
                                return Err(serde::de::Error::duplicate_field("hashed"));
                            }
                            hashed__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::DurationMs => {
                            if duration_ms__.is_some() {
                                return Err(serde::de::Error::duplicate_field("durationMs"));
                            }
                            duration_ms__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::OpenDeviations => {
                            if open_deviations__.is_some() {
                                return Err(serde::de::Error::duplicate_field("openDeviations"));
                            }
                            open_deviations__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Errors => {
                            if errors__.is_some() {
                                return Err(serde::de::Error::duplicate_field("errors"));
                            }
                            errors__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::EventsLost => {
                            if events_lost__.is_some() {
                                return Err(serde::de::Error::duplicate_field("eventsLost"));
                            }
                            events_lost__ = Some(map_.next_value()?);
                        }
                    }
                }
                Ok(ScanSummary {
                    scan: scan__.unwrap_or_default(),
                    files: files__.unwrap_or_default(),
                    hashed: hashed__.unwrap_or_default(),
                    duration_ms: duration_ms__.unwrap_or_default(),
                    open_deviations: open_deviations__.unwrap_or_default(),
                    errors: errors__.unwrap_or_default(),
                    events_lost: events_lost__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("plumb.v1.ScanSummary", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for Severity {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        let variant = match self {
            Self::Unspecified => "SEVERITY_UNSPECIFIED",
            Self::Low => "SEVERITY_LOW",
            Self::Medium => "SEVERITY_MEDIUM",
            Self::High => "SEVERITY_HIGH",
            Self::Critical => "SEVERITY_CRITICAL",
        };
        serializer.serialize_str(variant)
    }
}
impl<'de> serde::Deserialize<'de> for Severity {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "SEVERITY_UNSPECIFIED",
            "SEVERITY_LOW",
            "SEVERITY_MEDIUM",
            "SEVERITY_HIGH",
            "SEVERITY_CRITICAL",
        ];

        struct GeneratedVisitor;

        impl serde::de::Visitor<'_> for GeneratedVisitor {
            type Value = Severity;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(formatter, "expected one of: {:?}", &FIELDS)
            }

            fn visit_i64<E>(self, v: i64) -> std::result::Result<Self::Value, E>
            where
                E: serde::de::Error,
            {
                i32::try_from(v)
                    .ok()
                    .and_then(|x| x.try_into().ok())
                    .ok_or_else(|| {
                        serde::de::Error::invalid_value(serde::de::Unexpected::Signed(v), &self)
                    })
            }

            fn visit_u64<E>(self, v: u64) -> std::result::Result<Self::Value, E>
            where
                E: serde::de::Error,
            {
                i32::try_from(v)
                    .ok()
                    .and_then(|x| x.try_into().ok())
                    .ok_or_else(|| {
                        serde::de::Error::invalid_value(serde::de::Unexpected::Unsigned(v), &self)
                    })
            }

            fn visit_str<E>(self, value: &str) -> std::result::Result<Self::Value, E>
            where
                E: serde::de::Error,
            {
                match value {
                    "SEVERITY_UNSPECIFIED" => Ok(Severity::Unspecified),
                    "SEVERITY_LOW" => Ok(Severity::Low),
                    "SEVERITY_MEDIUM" => Ok(Severity::Medium),
                    "SEVERITY_HIGH" => Ok(Severity::High),
                    "SEVERITY_CRITICAL" => Ok(Severity::Critical),
                    _ => Err(serde::de::Error::unknown_variant(value, FIELDS)),
                }
            }
        }
        deserializer.deserialize_any(GeneratedVisitor)
    }
}
impl serde::Serialize for SeverityRule {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if !self.glob.is_empty() {
            len += 1;
        }
        if !self.kinds.is_empty() {
            len += 1;
        }
        if self.severity != 0 {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("plumb.v1.SeverityRule", len)?;
        if !self.glob.is_empty() {
            struct_ser.serialize_field("glob", &self.glob)?;
        }
        if !self.kinds.is_empty() {
            struct_ser.serialize_field("kinds", &self.kinds)?;
        }
        if self.severity != 0 {
            let v = Severity::try_from(self.severity)
                .map_err(|_| serde::ser::Error::custom(format!("Invalid variant {}", self.severity)))?;
            struct_ser.serialize_field("severity", &v)?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for SeverityRule {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "glob",
            "kinds",
            "severity",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            Glob,
            Kinds,
            Severity,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "glob" => Ok(GeneratedField::Glob),
                            "kinds" => Ok(GeneratedField::Kinds),
                            "severity" => Ok(GeneratedField::Severity),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = SeverityRule;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct plumb.v1.SeverityRule")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<SeverityRule, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut glob__ = None;
                let mut kinds__ = None;
                let mut severity__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::Glob => {
                            if glob__.is_some() {
                                return Err(serde::de::Error::duplicate_field("glob"));
                            }
                            glob__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Kinds => {
                            if kinds__.is_some() {
                                return Err(serde::de::Error::duplicate_field("kinds"));
                            }
                            kinds__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Severity => {
                            if severity__.is_some() {
                                return Err(serde::de::Error::duplicate_field("severity"));
                            }
                            severity__ = Some(map_.next_value::<Severity>()? as i32);
                        }
                    }
                }
                Ok(SeverityRule {
                    glob: glob__.unwrap_or_default(),
                    kinds: kinds__.unwrap_or_default(),
                    severity: severity__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("plumb.v1.SeverityRule", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for StoredDeviation {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if self.deviation.is_some() {
            len += 1;
        }
        if self.first_seen_unix_ms != 0 {
            len += 1;
        }
        if self.resolved_unix_ms != 0 {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("plumb.v1.StoredDeviation", len)?;
        if let Some(v) = self.deviation.as_ref() {
            struct_ser.serialize_field("deviation", v)?;
        }
        if self.first_seen_unix_ms != 0 {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("firstSeenUnixMs", ToString::to_string(&self.first_seen_unix_ms).as_str())?;
        }
        if self.resolved_unix_ms != 0 {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("resolvedUnixMs", ToString::to_string(&self.resolved_unix_ms).as_str())?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for StoredDeviation {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "deviation",
            "first_seen_unix_ms",
            "firstSeenUnixMs",
            "resolved_unix_ms",
            "resolvedUnixMs",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            Deviation,
            FirstSeenUnixMs,
            ResolvedUnixMs,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "deviation" => Ok(GeneratedField::Deviation),
                            "firstSeenUnixMs" | "first_seen_unix_ms" => Ok(GeneratedField::FirstSeenUnixMs),
                            "resolvedUnixMs" | "resolved_unix_ms" => Ok(GeneratedField::ResolvedUnixMs),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = StoredDeviation;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct plumb.v1.StoredDeviation")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<StoredDeviation, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut deviation__ = None;
                let mut first_seen_unix_ms__ = None;
                let mut resolved_unix_ms__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::Deviation => {
                            if deviation__.is_some() {
                                return Err(serde::de::Error::duplicate_field("deviation"));
                            }
                            deviation__ = map_.next_value()?;
                        }
                        GeneratedField::FirstSeenUnixMs => {
                            if first_seen_unix_ms__.is_some() {
                                return Err(serde::de::Error::duplicate_field("firstSeenUnixMs"));
                            }
                            first_seen_unix_ms__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::ResolvedUnixMs => {
                            if resolved_unix_ms__.is_some() {
                                return Err(serde::de::Error::duplicate_field("resolvedUnixMs"));
                            }
                            resolved_unix_ms__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                    }
                }
                Ok(StoredDeviation {
                    deviation: deviation__,
                    first_seen_unix_ms: first_seen_unix_ms__.unwrap_or_default(),
                    resolved_unix_ms: resolved_unix_ms__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("plumb.v1.StoredDeviation", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for TokenInfo {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if !self.id.is_empty() {
            len += 1;
        }
        if !self.name.is_empty() {
            len += 1;
        }
        if self.role != 0 {
            len += 1;
        }
        if self.created_unix_ms != 0 {
            len += 1;
        }
        if !self.created_by.is_empty() {
            len += 1;
        }
        if self.revoked_unix_ms != 0 {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("plumb.v1.TokenInfo", len)?;
        if !self.id.is_empty() {
            struct_ser.serialize_field("id", &self.id)?;
        }
        if !self.name.is_empty() {
            struct_ser.serialize_field("name", &self.name)?;
        }
        if self.role != 0 {
            let v = Role::try_from(self.role)
                .map_err(|_| serde::ser::Error::custom(format!("Invalid variant {}", self.role)))?;
            struct_ser.serialize_field("role", &v)?;
        }
        if self.created_unix_ms != 0 {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("createdUnixMs", ToString::to_string(&self.created_unix_ms).as_str())?;
        }
        if !self.created_by.is_empty() {
            struct_ser.serialize_field("createdBy", &self.created_by)?;
        }
        if self.revoked_unix_ms != 0 {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("revokedUnixMs", ToString::to_string(&self.revoked_unix_ms).as_str())?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for TokenInfo {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "id",
            "name",
            "role",
            "created_unix_ms",
            "createdUnixMs",
            "created_by",
            "createdBy",
            "revoked_unix_ms",
            "revokedUnixMs",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            Id,
            Name,
            Role,
            CreatedUnixMs,
            CreatedBy,
            RevokedUnixMs,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "id" => Ok(GeneratedField::Id),
                            "name" => Ok(GeneratedField::Name),
                            "role" => Ok(GeneratedField::Role),
                            "createdUnixMs" | "created_unix_ms" => Ok(GeneratedField::CreatedUnixMs),
                            "createdBy" | "created_by" => Ok(GeneratedField::CreatedBy),
                            "revokedUnixMs" | "revoked_unix_ms" => Ok(GeneratedField::RevokedUnixMs),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = TokenInfo;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct plumb.v1.TokenInfo")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<TokenInfo, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut id__ = None;
                let mut name__ = None;
                let mut role__ = None;
                let mut created_unix_ms__ = None;
                let mut created_by__ = None;
                let mut revoked_unix_ms__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::Id => {
                            if id__.is_some() {
                                return Err(serde::de::Error::duplicate_field("id"));
                            }
                            id__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Name => {
                            if name__.is_some() {
                                return Err(serde::de::Error::duplicate_field("name"));
                            }
                            name__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Role => {
                            if role__.is_some() {
                                return Err(serde::de::Error::duplicate_field("role"));
                            }
                            role__ = Some(map_.next_value::<Role>()? as i32);
                        }
                        GeneratedField::CreatedUnixMs => {
                            if created_unix_ms__.is_some() {
                                return Err(serde::de::Error::duplicate_field("createdUnixMs"));
                            }
                            created_unix_ms__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::CreatedBy => {
                            if created_by__.is_some() {
                                return Err(serde::de::Error::duplicate_field("createdBy"));
                            }
                            created_by__ = Some(map_.next_value()?);
                        }
                        GeneratedField::RevokedUnixMs => {
                            if revoked_unix_ms__.is_some() {
                                return Err(serde::de::Error::duplicate_field("revokedUnixMs"));
                            }
                            revoked_unix_ms__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                    }
                }
                Ok(TokenInfo {
                    id: id__.unwrap_or_default(),
                    name: name__.unwrap_or_default(),
                    role: role__.unwrap_or_default(),
                    created_unix_ms: created_unix_ms__.unwrap_or_default(),
                    created_by: created_by__.unwrap_or_default(),
                    revoked_unix_ms: revoked_unix_ms__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("plumb.v1.TokenInfo", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for Transition {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if self.from != 0 {
            len += 1;
        }
        if self.to != 0 {
            len += 1;
        }
        if !self.cause.is_empty() {
            len += 1;
        }
        if self.at_unix_ms != 0 {
            len += 1;
        }
        if !self.node_id.is_empty() {
            len += 1;
        }
        if !self.reasons.is_empty() {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("plumb.v1.Transition", len)?;
        if self.from != 0 {
            let v = NodeStatus::try_from(self.from)
                .map_err(|_| serde::ser::Error::custom(format!("Invalid variant {}", self.from)))?;
            struct_ser.serialize_field("from", &v)?;
        }
        if self.to != 0 {
            let v = NodeStatus::try_from(self.to)
                .map_err(|_| serde::ser::Error::custom(format!("Invalid variant {}", self.to)))?;
            struct_ser.serialize_field("to", &v)?;
        }
        if !self.cause.is_empty() {
            struct_ser.serialize_field("cause", &self.cause)?;
        }
        if self.at_unix_ms != 0 {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("atUnixMs", ToString::to_string(&self.at_unix_ms).as_str())?;
        }
        if !self.node_id.is_empty() {
            struct_ser.serialize_field("nodeId", &self.node_id)?;
        }
        if !self.reasons.is_empty() {
            struct_ser.serialize_field("reasons", &self.reasons)?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for Transition {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "from",
            "to",
            "cause",
            "at_unix_ms",
            "atUnixMs",
            "node_id",
            "nodeId",
            "reasons",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            From,
            To,
            Cause,
            AtUnixMs,
            NodeId,
            Reasons,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "from" => Ok(GeneratedField::From),
                            "to" => Ok(GeneratedField::To),
                            "cause" => Ok(GeneratedField::Cause),
                            "atUnixMs" | "at_unix_ms" => Ok(GeneratedField::AtUnixMs),
                            "nodeId" | "node_id" => Ok(GeneratedField::NodeId),
                            "reasons" => Ok(GeneratedField::Reasons),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = Transition;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct plumb.v1.Transition")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<Transition, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut from__ = None;
                let mut to__ = None;
                let mut cause__ = None;
                let mut at_unix_ms__ = None;
                let mut node_id__ = None;
                let mut reasons__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::From => {
                            if from__.is_some() {
                                return Err(serde::de::Error::duplicate_field("from"));
                            }
                            from__ = Some(map_.next_value::<NodeStatus>()? as i32);
                        }
                        GeneratedField::To => {
                            if to__.is_some() {
                                return Err(serde::de::Error::duplicate_field("to"));
                            }
                            to__ = Some(map_.next_value::<NodeStatus>()? as i32);
                        }
                        GeneratedField::Cause => {
                            if cause__.is_some() {
                                return Err(serde::de::Error::duplicate_field("cause"));
                            }
                            cause__ = Some(map_.next_value()?);
                        }
                        GeneratedField::AtUnixMs => {
                            if at_unix_ms__.is_some() {
                                return Err(serde::de::Error::duplicate_field("atUnixMs"));
                            }
                            at_unix_ms__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::NodeId => {
                            if node_id__.is_some() {
                                return Err(serde::de::Error::duplicate_field("nodeId"));
                            }
                            node_id__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Reasons => {
                            if reasons__.is_some() {
                                return Err(serde::de::Error::duplicate_field("reasons"));
                            }
                            reasons__ = Some(map_.next_value()?);
                        }
                    }
                }
                Ok(Transition {
                    from: from__.unwrap_or_default(),
                    to: to__.unwrap_or_default(),
                    cause: cause__.unwrap_or_default(),
                    at_unix_ms: at_unix_ms__.unwrap_or_default(),
                    node_id: node_id__.unwrap_or_default(),
                    reasons: reasons__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("plumb.v1.Transition", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for WatchFlagsRequest {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if self.include_current {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("plumb.v1.WatchFlagsRequest", len)?;
        if self.include_current {
            struct_ser.serialize_field("includeCurrent", &self.include_current)?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for WatchFlagsRequest {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "include_current",
            "includeCurrent",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            IncludeCurrent,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "includeCurrent" | "include_current" => Ok(GeneratedField::IncludeCurrent),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = WatchFlagsRequest;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct plumb.v1.WatchFlagsRequest")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<WatchFlagsRequest, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut include_current__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::IncludeCurrent => {
                            if include_current__.is_some() {
                                return Err(serde::de::Error::duplicate_field("includeCurrent"));
                            }
                            include_current__ = Some(map_.next_value()?);
                        }
                    }
                }
                Ok(WatchFlagsRequest {
                    include_current: include_current__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("plumb.v1.WatchFlagsRequest", FIELDS, GeneratedVisitor)
    }
}
